import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * TEST FIXTURE: a Google Cloud Pub/Sub stand-in on loopback, for the real `@google-cloud/pubsub`
 * client reached through its emulator setting (`apiEndpoint` / PUBSUB_EMULATOR_HOST: plaintext
 * gRPC, no Google auth). No Pub/Sub emulator installs from npm or Debian, so this is a
 * `@grpc/grpc-js` server implementing `google.pubsub.v1.Publisher` from the very .proto files the
 * client ships. It implements Publish (records each message, answers message ids), GetTopic and
 * CreateTopic; the other Publisher methods answer UNIMPLEMENTED (grpc-js' default).
 * `failWith(code)` makes Publish answer a gRPC status until cleared.
 */

export interface PubSubTestMessage {
  /** Full topic name: `projects/<project>/topics/<topic>`. */
  topic: string;
  messageId: string;
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string;
}

export interface PubSubTestServer {
  /** `127.0.0.1:<port>`, the destination's `endpoint` value. */
  readonly endpoint: string;
  readonly messages: PubSubTestMessage[];
  /** Number of Publish calls received (answered or failed). */
  readonly publishCalls: number;
  /** gRPC status every Publish answers with (e.g. grpc.status.UNAVAILABLE); null = accept. */
  failWith(code: grpc.status | null, details?: string): void;
  close(): Promise<void>;
}

const PROTO_ROOTS = [
  path.join(path.dirname(require.resolve('@google-cloud/pubsub/package.json')), 'build', 'protos'),
  // google-gax's exports hide its package.json; its entry point is build/src/index.js.
  path.join(path.dirname(require.resolve('google-gax')), '..', 'protos'),
];

interface PublishRequest {
  topic: string;
  messages: { data: Buffer; attributes: Record<string, string>; orderingKey: string }[];
}

interface TopicRequest {
  name?: string;
  topic?: string;
}

function publisherService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: PROTO_ROOTS,
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: { pubsub: { v1: { Publisher: grpc.ServiceClientConstructor } } };
  };
  return loaded.google.pubsub.v1.Publisher.service;
}

export async function startPubSubTestServer(): Promise<PubSubTestServer> {
  const messages: PubSubTestMessage[] = [];
  let failure: { code: grpc.status; details: string } | null = null;
  let publishCalls = 0;
  let nextId = 1;

  const server = new grpc.Server();
  server.addService(publisherService(), {
    Publish(
      call: grpc.ServerUnaryCall<PublishRequest, unknown>,
      callback: grpc.sendUnaryData<{ messageIds: string[] }>,
    ) {
      publishCalls += 1;
      if (failure !== null) {
        callback({ code: failure.code, details: failure.details });
        return;
      }
      const { topic } = call.request;
      const messageIds = call.request.messages.map((message) => {
        const messageId = String(nextId++);
        messages.push({
          topic,
          messageId,
          data: Buffer.from(message.data),
          attributes: { ...message.attributes },
          orderingKey: message.orderingKey,
        });
        return messageId;
      });
      callback(null, { messageIds });
    },
    GetTopic(
      call: grpc.ServerUnaryCall<TopicRequest, unknown>,
      callback: grpc.sendUnaryData<{ name: string }>,
    ) {
      callback(null, { name: call.request.topic ?? '' });
    },
    CreateTopic(
      call: grpc.ServerUnaryCall<TopicRequest, unknown>,
      callback: grpc.sendUnaryData<{ name: string }>,
    ) {
      callback(null, { name: call.request.name ?? '' });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    endpoint: `127.0.0.1:${port}`,
    messages,
    get publishCalls() {
      return publishCalls;
    },
    failWith(code, details = 'failing on request of the test') {
      failure = code === null ? null : { code, details };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
