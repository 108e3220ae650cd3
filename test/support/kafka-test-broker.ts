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
 * It answers ApiVersions, Metadata v1, InitProducerId v0 (idempotent producers) and Produce v3
 * (acks=all; records stored per topic/partition with offsets). It advertises only those versions,
 * so kafkajs negotiates them. Topics are created on first use (auto.create.topics.enable). There is
 * no Fetch: tests read the broker's in-memory log directly with `records(topic)`; no consumer-group
 * machinery is emulated. `rejectProducesWith(code)` makes every Produce answer a Kafka error code.
 */

export interface KafkaTestRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  producerId: string;
}

export interface KafkaTestBroker {
  readonly port: number;
  /** `127.0.0.1:<port>`, the `brokers` config value. */
  readonly brokers: string;
  records(topic: string): KafkaTestRecord[];
  /** Kafka error code every Produce partition answers with (e.g. 19 NOT_ENOUGH_REPLICAS); null = accept. */
  rejectProducesWith(errorCode: number | null): void;
  /** How many Produce requests arrived (accepted or not). */
  readonly produceRequests: number;
  close(): Promise<void>;
}

const NODE_ID = 1;
const HOST = '127.0.0.1';

const API_KEYS = {
  produce: apiKeys.Produce!,
  metadata: apiKeys.Metadata!,
  apiVersions: apiKeys.ApiVersions!,
  initProducerId: apiKeys.InitProducerId!,
};

/** [apiKey, min, max]: only what is implemented below. */
const SUPPORTED: [number, number, number][] = [
  [API_KEYS.produce, 3, 3],
  [API_KEYS.metadata, 1, 1],
  [API_KEYS.apiVersions, 0, 2],
  [API_KEYS.initProducerId, 0, 0],
];

interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

export async function startKafkaTestBroker(options: { partitions?: number } = {}): Promise<KafkaTestBroker> {
  const partitionCount = options.partitions ?? 1;
  const logs = new Map<string, KafkaTestRecord[][]>();
  const sockets = new Set<net.Socket>();
  let rejectCode: number | null = null;
  let produceRequests = 0;
  let nextProducerId = 1000;

  const partitionsOf = (topic: string): KafkaTestRecord[][] => {
    let partitions = logs.get(topic);
    if (partitions === undefined) {
      partitions = Array.from({ length: partitionCount }, () => []);
      logs.set(topic, partitions);
    }
    return partitions;
  };

  const apiVersions = (version: number): Encoder => {
    const body = new Encoder()
      .writeInt16(0)
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
        .writeInt16(0)
        .writeString(topic)
        .writeBoolean(false)
        .writeArray(
          partitionsOf(topic).map((_, partition) =>
            new Encoder()
              .writeInt16(0)
              .writeInt32(partition)
              .writeInt32(NODE_ID)
              .writeArray([NODE_ID], 'int32')
              .writeArray([NODE_ID], 'int32'),
          ),
        ),
    );
    return new Encoder()
      .writeArray([new Encoder().writeInt32(NODE_ID).writeString(HOST).writeInt32(port).writeString(null)])
      .writeInt32(NODE_ID)
      .writeArray(topicEncoders);
  };

  const initProducerId = (): Encoder =>
    new Encoder().writeInt32(0).writeInt16(0).writeInt64(nextProducerId++).writeInt16(0);

  const produce = async (decoder: Decoder): Promise<Encoder> => {
    produceRequests += 1;
    decoder.readString(); // transactional_id
    decoder.readInt16(); // acks
    decoder.readInt32(); // timeout
    const topicData = decoder.readArray((d) => ({
      topic: d.readString() ?? '',
      partitions: d.readArray((p) => {
        const partition = p.readInt32();
        const size = p.readInt32();
        const batch = p.slice(size);
        p.forward(size);
        return { partition, batch };
      }),
    }));
    const topicResponses: Encoder[] = [];
    for (const { topic, partitions } of topicData) {
      const partitionResponses: Encoder[] = [];
      for (const { partition, batch } of partitions) {
        const log = partitionsOf(topic)[partition];
        const code = log === undefined ? 3 : (rejectCode ?? 0);
        const baseOffset = log?.length ?? -1;
        if (log !== undefined && code === 0) {
          const decoded = await decodeRecordBatch(batch);
          decoded.records.forEach((record, index) => {
            log.push({
              topic,
              partition,
              offset: baseOffset + index,
              key: record.key,
              value: record.value,
              headers: Object.fromEntries(
                Object.entries(record.headers).map(([key, value]) => [
                  key,
                  Array.isArray(value) ? Buffer.concat(value) : value,
                ]),
              ),
              producerId: decoded.producerId,
            });
          });
        }
        partitionResponses.push(
          new Encoder()
            .writeInt32(partition)
            .writeInt16(code)
            .writeInt64(code === 0 ? baseOffset : -1)
            .writeInt64(-1),
        );
      }
      topicResponses.push(new Encoder().writeString(topic).writeArray(partitionResponses));
    }
    return new Encoder().writeArray(topicResponses).writeInt32(0);
  };

  const respond = async (header: RequestHeader, decoder: Decoder): Promise<Encoder | undefined> => {
    switch (header.apiKey) {
      case API_KEYS.apiVersions:
        return apiVersions(header.apiVersion);
      case API_KEYS.metadata:
        return metadata(decoder);
      case API_KEYS.initProducerId:
        return initProducerId();
      case API_KEYS.produce:
        return produce(decoder);
      default:
        return undefined;
    }
  };

  const serve = (socket: net.Socket): void => {
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
    records: (topic) => (logs.get(topic) ?? []).flat(),
    rejectProducesWith(errorCode) {
      rejectCode = errorCode;
    },
    get produceRequests() {
      return produceRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
