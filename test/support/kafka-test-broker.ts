import net from 'node:net';
import Decoder from 'kafkajs/src/protocol/decoder';
import Encoder from 'kafkajs/src/protocol/encoder';
import decodeRecordBatch from 'kafkajs/src/protocol/recordBatch/v0/decoder';
import apiKeys from 'kafkajs/src/protocol/requests/apiKeys';

/**
 * TEST FIXTURE: a single-node Kafka broker on loopback, small enough to read, for the real kafkajs
 * client. No Kafka broker installs from npm or Debian here (Debian has only client libraries:
 * librdkafka, kafkacat), so this speaks the Kafka wire protocol itself, reusing kafkajs' own
 * Encoder/Decoder and record batch decoder so the bytes are the ones kafkajs reads and writes.
 *
 * Producing: ApiVersions, Metadata v1, InitProducerId v0 (idempotent producers) and Produce v3.
 * Each record batch is stored as the producer sent it, with the broker's base offset written into
 * its first 8 bytes (outside the batch CRC, as a real broker does). Every Produce is recorded with
 * its `acks` and the batches' producer ids.
 * Consuming, what a kafkajs consumer needs and no more: FindCoordinator v0, JoinGroup v0,
 * SyncGroup v0, Heartbeat v0, LeaveGroup v0 (one member per group: the joining consumer leads and
 * assigns), OffsetFetch v1, OffsetCommit v2, ListOffsets v1 and Fetch v4 (returns the stored
 * batches from the requested offset; waits up to max_wait_time when there are none).
 * It advertises only those versions, so kafkajs negotiates them. Topics are created on first use
 * (auto.create.topics.enable). `rejectProducesWith(code)` makes every Produce answer a Kafka error
 * code; `advertisedHost` makes Metadata name another host for the broker (what a misconfigured or
 * hostile cluster's advertised.listeners does); `connections` counts accepted TCP connections.
 */

export interface KafkaProduceRequest {
  acks: number;
  /** The producer id of each record batch (-1 without idempotence). */
  producerIds: string[];
}

export interface KafkaTestBroker {
  readonly port: number;
  /** `127.0.0.1:<port>`, the `brokers` config value. */
  readonly brokers: string;
  /** Kafka error code every Produce partition answers with (e.g. 19 NOT_ENOUGH_REPLICAS); null = accept. */
  rejectProducesWith(errorCode: number | null): void;
  /** Every Produce request that arrived (accepted or not), in order. */
  readonly produceRequests: readonly KafkaProduceRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

interface StoredBatch {
  baseOffset: number;
  recordCount: number;
  bytes: Buffer;
}

interface PartitionLog {
  batches: StoredBatch[];
  /** The offset the next record gets (the high watermark: every write is "replicated" at once). */
  end: number;
}

interface Group {
  generation: number;
  memberId: string;
  assignment: Buffer;
  committed: Map<string, bigint>;
}

const NODE_ID = 1;
const HOST = '127.0.0.1';
const NONE = 0;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

const API = {
  produce: apiKeys.Produce!,
  fetch: apiKeys.Fetch!,
  listOffsets: apiKeys.ListOffsets!,
  metadata: apiKeys.Metadata!,
  offsetCommit: apiKeys.OffsetCommit!,
  offsetFetch: apiKeys.OffsetFetch!,
  findCoordinator: apiKeys.GroupCoordinator!,
  joinGroup: apiKeys.JoinGroup!,
  heartbeat: apiKeys.Heartbeat!,
  leaveGroup: apiKeys.LeaveGroup!,
  syncGroup: apiKeys.SyncGroup!,
  apiVersions: apiKeys.ApiVersions!,
  initProducerId: apiKeys.InitProducerId!,
};

/** [apiKey, min, max]: only what is implemented below. */
const SUPPORTED: [number, number, number][] = [
  [API.produce, 3, 3],
  [API.fetch, 4, 4],
  [API.listOffsets, 1, 1],
  [API.metadata, 1, 1],
  [API.offsetCommit, 2, 2],
  [API.offsetFetch, 1, 1],
  [API.findCoordinator, 0, 0],
  [API.joinGroup, 0, 0],
  [API.heartbeat, 0, 0],
  [API.leaveGroup, 0, 0],
  [API.syncGroup, 0, 0],
  [API.apiVersions, 0, 2],
  [API.initProducerId, 0, 0],
];

const EARLIEST = -2n;

interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/** `[topic, [partition...]]` request arrays, read with `readPartition` for each partition entry. */
function readTopics<T>(
  decoder: Decoder,
  readPartition: (d: Decoder) => T,
): { topic: string; partitions: T[] }[] {
  return decoder.readArray((d) => ({ topic: d.readString() ?? '', partitions: d.readArray(readPartition) }));
}

export async function startKafkaTestBroker(
  options: { partitions?: number; advertisedHost?: string } = {},
): Promise<KafkaTestBroker> {
  const partitionCount = options.partitions ?? 1;
  const logs = new Map<string, PartitionLog[]>();
  const groups = new Map<string, Group>();
  const sockets = new Set<net.Socket>();
  const produceRequests: KafkaProduceRequest[] = [];
  /** Fetches waiting for records; called on every successful write. */
  const waitingFetches = new Set<() => void>();
  let rejectCode: number | null = null;
  let nextProducerId = 1000;
  let nextMemberId = 1;
  let connections = 0;

  const partitionsOf = (topic: string): PartitionLog[] => {
    let partitions = logs.get(topic);
    if (partitions === undefined) {
      partitions = Array.from({ length: partitionCount }, () => ({ batches: [], end: 0 }));
      logs.set(topic, partitions);
    }
    return partitions;
  };

  const apiVersions = (version: number): Encoder => {
    const body = new Encoder()
      .writeInt16(NONE)
      .writeArray(
        SUPPORTED.map(([key, min, max]) => new Encoder().writeInt16(key).writeInt16(min).writeInt16(max)),
      );
    return version >= 1 ? body.writeInt32(0) : body;
  };

  const metadata = (decoder: Decoder): Encoder => {
    const requested = decoder.readArray((d) => d.readString() ?? '');
    const topics = requested.length > 0 ? requested : [...logs.keys()];
    const topicEncoders = topics.map((topic) =>
      new Encoder()
        .writeInt16(NONE)
        .writeString(topic)
        .writeBoolean(false)
        .writeArray(
          partitionsOf(topic).map((_, partition) =>
            new Encoder()
              .writeInt16(NONE)
              .writeInt32(partition)
              .writeInt32(NODE_ID)
              .writeArray([NODE_ID], 'int32')
              .writeArray([NODE_ID], 'int32'),
          ),
        ),
    );
    const host = options.advertisedHost ?? HOST;
    return new Encoder()
      .writeArray([new Encoder().writeInt32(NODE_ID).writeString(host).writeInt32(port).writeString(null)])
      .writeInt32(NODE_ID)
      .writeArray(topicEncoders);
  };

  const initProducerId = (): Encoder =>
    new Encoder().writeInt32(0).writeInt16(NONE).writeInt64(nextProducerId++).writeInt16(0);

  const produce = async (decoder: Decoder): Promise<Encoder> => {
    decoder.readString(); // transactional_id
    const request: KafkaProduceRequest = { acks: decoder.readInt16(), producerIds: [] };
    produceRequests.push(request);
    decoder.readInt32(); // timeout
    const topicData = readTopics(decoder, (p) => ({ partition: p.readInt32(), batch: p.readBytes() }));
    const topicResponses: Encoder[] = [];
    for (const { topic, partitions } of topicData) {
      const partitionResponses: Encoder[] = [];
      for (const { partition, batch } of partitions) {
        const log = partitionsOf(topic)[partition];
        const code = log === undefined ? UNKNOWN_TOPIC_OR_PARTITION : (rejectCode ?? NONE);
        const baseOffset = log?.end ?? -1;
        const decoded = await decodeRecordBatch(new Decoder(batch));
        request.producerIds.push(decoded.producerId);
        if (log !== undefined && code === NONE) {
          const bytes = Buffer.from(batch);
          bytes.writeBigInt64BE(BigInt(baseOffset), 0);
          log.batches.push({ baseOffset, recordCount: decoded.records.length, bytes });
          log.end += decoded.records.length;
        }
        partitionResponses.push(
          new Encoder()
            .writeInt32(partition)
            .writeInt16(code)
            .writeInt64(code === NONE ? baseOffset : -1)
            .writeInt64(-1),
        );
      }
      topicResponses.push(new Encoder().writeString(topic).writeArray(partitionResponses));
    }
    for (const wake of waitingFetches) wake();
    return new Encoder().writeArray(topicResponses).writeInt32(0);
  };

  /** The stored batches holding offsets from `offset` on, as one record set. */
  const recordsFrom = (log: PartitionLog, offset: bigint): Buffer =>
    Buffer.concat(
      log.batches
        .filter((batch) => BigInt(batch.baseOffset + batch.recordCount) > offset)
        .map((batch) => batch.bytes),
    );

  const fetch = async (decoder: Decoder): Promise<Encoder> => {
    decoder.readInt32(); // replica_id
    const maxWaitMs = decoder.readInt32();
    decoder.readInt32(); // min_bytes
    decoder.readInt32(); // max_bytes
    decoder.readInt8(); // isolation_level
    const wanted = readTopics(decoder, (p) => {
      const partition = p.readInt32();
      const offset = p.readInt64();
      p.readInt32(); // partition_max_bytes
      return { partition, offset };
    });
    const hasRecords = () =>
      wanted.some(({ topic, partitions }) =>
        partitions.some(({ partition, offset }) => (partitionsOf(topic)[partition]?.end ?? 0) > offset),
      );
    if (!hasRecords()) {
      // Long polling, as a broker does: answer when records arrive or max_wait_time has passed.
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          waitingFetches.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, maxWaitMs);
        waitingFetches.add(wake);
      });
    }
    const responses = wanted.map(({ topic, partitions }) =>
      new Encoder().writeString(topic).writeArray(
        partitions.map(({ partition, offset }) => {
          const log = partitionsOf(topic)[partition];
          return new Encoder()
            .writeInt32(partition)
            .writeInt16(log === undefined ? UNKNOWN_TOPIC_OR_PARTITION : NONE)
            .writeInt64(log?.end ?? -1)
            .writeInt64(log?.end ?? -1)
            .writeArray([])
            .writeBytes(log === undefined ? Buffer.alloc(0) : recordsFrom(log, offset));
        }),
      ),
    );
    return new Encoder().writeInt32(0).writeArray(responses);
  };

  const listOffsets = (decoder: Decoder): Encoder => {
    decoder.readInt32(); // replica_id
    const wanted = readTopics(decoder, (p) => ({ partition: p.readInt32(), timestamp: p.readInt64() }));
    return new Encoder().writeArray(
      wanted.map(({ topic, partitions }) =>
        new Encoder().writeString(topic).writeArray(
          partitions.map(({ partition, timestamp }) => {
            const log = partitionsOf(topic)[partition];
            // Earliest is offset 0 (nothing is ever deleted); latest, or any time, is the end.
            const offset = log === undefined ? -1 : timestamp === EARLIEST ? 0 : log.end;
            return new Encoder()
              .writeInt32(partition)
              .writeInt16(log === undefined ? UNKNOWN_TOPIC_OR_PARTITION : NONE)
              .writeInt64(-1)
              .writeInt64(offset);
          }),
        ),
      ),
    );
  };

  const findCoordinator = (decoder: Decoder): Encoder => {
    decoder.readString(); // group_id
    return new Encoder().writeInt16(NONE).writeInt32(NODE_ID).writeString(HOST).writeInt32(port);
  };

  const groupOf = (groupId: string): Group => {
    let group = groups.get(groupId);
    if (group === undefined) {
      group = { generation: 0, memberId: '', assignment: Buffer.alloc(0), committed: new Map() };
      groups.set(groupId, group);
    }
    return group;
  };

  const joinGroup = (decoder: Decoder): Encoder => {
    const group = groupOf(decoder.readString() ?? '');
    decoder.readInt32(); // session_timeout
    const memberId = decoder.readString() || `member-${nextMemberId++}`;
    decoder.readString(); // protocol_type
    const [protocol] = decoder.readArray((d) => ({ name: d.readString() ?? '', metadata: d.readBytes() }));
    group.generation += 1;
    group.memberId = memberId;
    return new Encoder()
      .writeInt16(NONE)
      .writeInt32(group.generation)
      .writeString(protocol?.name ?? '')
      .writeString(memberId)
      .writeString(memberId)
      .writeArray([new Encoder().writeString(memberId).writeBytes(protocol?.metadata ?? Buffer.alloc(0))]);
  };

  const syncGroup = (decoder: Decoder): Encoder => {
    const group = groupOf(decoder.readString() ?? '');
    decoder.readInt32(); // generation_id
    const memberId = decoder.readString();
    const assignments = decoder.readArray((d) => ({ memberId: d.readString(), assignment: d.readBytes() }));
    group.assignment =
      assignments.find((entry) => entry.memberId === memberId)?.assignment ?? group.assignment;
    return new Encoder().writeInt16(NONE).writeBytes(group.assignment);
  };

  const offsetFetch = (decoder: Decoder): Encoder => {
    const group = groupOf(decoder.readString() ?? '');
    const wanted = readTopics(decoder, (p) => p.readInt32());
    return new Encoder().writeArray(
      wanted.map(({ topic, partitions }) =>
        new Encoder().writeString(topic).writeArray(
          partitions.map((partition) =>
            new Encoder()
              .writeInt32(partition)
              .writeInt64(String(group.committed.get(`${topic}/${partition}`) ?? -1n))
              .writeString('')
              .writeInt16(NONE),
          ),
        ),
      ),
    );
  };

  const offsetCommit = (decoder: Decoder): Encoder => {
    const group = groupOf(decoder.readString() ?? '');
    decoder.readInt32(); // generation_id
    decoder.readString(); // member_id
    decoder.readInt64(); // retention_time
    const commits = readTopics(decoder, (p) => {
      const partition = p.readInt32();
      const offset = p.readInt64();
      p.readString(); // metadata
      return { partition, offset };
    });
    return new Encoder().writeArray(
      commits.map(({ topic, partitions }) =>
        new Encoder().writeString(topic).writeArray(
          partitions.map(({ partition, offset }) => {
            group.committed.set(`${topic}/${partition}`, offset);
            return new Encoder().writeInt32(partition).writeInt16(NONE);
          }),
        ),
      ),
    );
  };

  /** Heartbeat and LeaveGroup: the one member is always in good standing. */
  const acknowledge = (): Encoder => new Encoder().writeInt16(NONE);

  const respond = async (header: RequestHeader, decoder: Decoder): Promise<Encoder | undefined> => {
    switch (header.apiKey) {
      case API.apiVersions:
        return apiVersions(header.apiVersion);
      case API.metadata:
        return metadata(decoder);
      case API.initProducerId:
        return initProducerId();
      case API.produce:
        return produce(decoder);
      case API.fetch:
        return fetch(decoder);
      case API.listOffsets:
        return listOffsets(decoder);
      case API.findCoordinator:
        return findCoordinator(decoder);
      case API.joinGroup:
        return joinGroup(decoder);
      case API.syncGroup:
        return syncGroup(decoder);
      case API.offsetFetch:
        return offsetFetch(decoder);
      case API.offsetCommit:
        return offsetCommit(decoder);
      case API.heartbeat:
      case API.leaveGroup:
        return acknowledge();
      default:
        return undefined;
    }
  };

  const serve = (socket: net.Socket): void => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    // Requests on one connection are answered in order, as a broker does.
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (pending.length < 4 + size) break;
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        queue = queue.then(() => handleFrame(socket, frame));
      }
    });
  };

  const handleFrame = async (socket: net.Socket, frame: Buffer): Promise<void> => {
    const decoder = new Decoder(frame);
    const header = {
      apiKey: decoder.readInt16(),
      apiVersion: decoder.readInt16(),
      correlationId: decoder.readInt32(),
    };
    decoder.readString(); // client_id
    const body = await respond(header, decoder);
    if (body === undefined) {
      socket.destroy();
      return;
    }
    const payload = new Encoder().writeInt32(header.correlationId).writeEncoder(body);
    socket.write(new Encoder().writeInt32(payload.buffer.length).writeEncoder(payload).buffer);
  };

  const server = net.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    brokers: `${HOST}:${port}`,
    rejectProducesWith(errorCode) {
      rejectCode = errorCode;
    },
    produceRequests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const wake of waitingFetches) wake();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
