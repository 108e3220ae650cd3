import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Destination, StringMap } from '../../lambdas/core/model';
import { clearAwsClients } from '../../lambdas/destinations/aws-client';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { apiClient, eventually, type ApiClient } from './api-client';
import { startTcpFaultGate, type TcpFaultGate } from './tcp-fault-gate';

/**
 * The local runtime as destination integration tests use it: in memory, a fast retry schedule
 * (1 s, 1 s) and one tenant, plus the few API calls those tests repeat.
 */

/** Static keys AWS destinations are created with; the loopback emulators accept any. */
export const STATIC_AWS_KEYS = {
  key: 'AKIAIOSFODNN7EXAMPLE',
  secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** Settings of a test's own AWS client (the one reading back what was delivered) for a loopback emulator. */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/** A destination as the store holds it, for tests that call a transport's `send` directly. */
export function storedDestination(type: string, config: StringMap, credentials: StringMap = {}): Destination {
  return {
    id: `des_${type}_direct`,
    tenant_id: 'acme',
    type,
    topics: '*',
    filter: null,
    config,
    credentials,
    delivery_metadata: null,
    metadata: null,
    disabled_at: null,
    created_at: '2025-01-02T03:04:05.000Z',
    updated_at: '2025-01-02T03:04:05.000Z',
  };
}

/** Waits until `read` returns at least `count` items, and returns them. */
export function atLeast<T>(what: string, count: number, read: () => T[] | Promise<T[]>): Promise<T[]> {
  return eventually(what, async () => {
    const items = await read();
    return items.length >= count ? items : undefined;
  });
}

/** Receives from an SQS queue until `count` messages have come (a receive takes them off the queue). */
export function sqsMessages(sqs: SQSClient, queueUrl: string, count: number): Promise<Message[]> {
  const seen: Message[] = [];
  return atLeast(`${count} messages in ${queueUrl}`, count, async () => {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    seen.push(...(received.Messages ?? []));
    return seen;
  });
}

/** An SQS message's string attributes by name. */
export function sqsAttributesOf(message: Message): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
  );
}

export interface AttemptView {
  id: string;
  status: 'success' | 'failed';
  code: string;
  attempt_number: number;
  response_data?: { body?: string; error?: string } | null;
}

/** A destination's delivery of one event, as `GET .../deliveries` shows it. */
export interface DeliveryView {
  event_id: string;
  /** The listing holds only deliveries that need attention: no queued or successful ones. */
  status: 'retrying' | 'failed' | 'skipped';
  attempts: number;
  due_at: string | null;
  last_code: string | null;
}

export interface DestinationTestRuntime {
  runtime: LocalRuntime;
  api: ApiClient;
  tenantId: string;
  createDestination(body: Record<string, unknown>): Promise<{ id: string } & Record<string, unknown>>;
  publish(body: Record<string, unknown>): Promise<string>;
  /** Waits until the event has `count` attempts and the last satisfies `last` (if given). */
  attemptsReach(
    eventId: string,
    count: number,
    last?: (attempt: AttemptView) => boolean,
  ): Promise<AttemptView[]>;
  /**
   * Waits until the delivery of the event to the destination has settled as failed or skipped. A
   * settled delivery has no attempt pending: whether another attempt would come is read from its
   * state, not from a wait. (A successful delivery is not listed: `attemptsReach` shows it.)
   */
  settledDelivery(destinationId: string, eventId: string): Promise<DeliveryView>;
  stop(): Promise<void>;
}

/** `env` adds to (or overrides) the runtime's settings, e.g. `AWS_ENDPOINT_URL_STS`. */
export async function startDestinationTestRuntime(
  tenantId = 'acme',
  env: Record<string, string> = {},
): Promise<DestinationTestRuntime> {
  const runtime = await startLocalRuntime({
    inMemory: true,
    apiPort: 0,
    env: { RETRY_SCHEDULE: '1,1', RETRY_JITTER: '0', DELIVERY_TIMEOUT_SECONDS: '3', ...env },
  });
  const api = apiClient(runtime.apiUrl, runtime.adminKey);
  const tenant = await api.put(`/tenants/${tenantId}`, {});
  if (tenant.status !== 201) throw new Error(`tenant not created: ${tenant.status}`);

  const attemptsOf = async (eventId: string): Promise<AttemptView[]> => {
    const page = await api.get<{ models: AttemptView[] }>(
      `/attempts?tenant_id=${tenantId}&event_id=${eventId}&include=response_data`,
    );
    return page.body.models.sort((a, b) => a.attempt_number - b.attempt_number);
  };

  return {
    runtime,
    api,
    tenantId,
    async createDestination(body) {
      const created = await api.post<{ id: string } & Record<string, unknown>>(
        `/tenants/${tenantId}/destinations`,
        body,
      );
      if (created.status !== 201) {
        throw new Error(`destination not created: ${created.status} ${JSON.stringify(created.body)}`);
      }
      return created.body;
    },
    async publish(body) {
      const published = await api.post<{ id: string }>('/publish', { tenant_id: tenantId, ...body });
      if (published.status !== 202) throw new Error(`publish refused: ${published.status}`);
      return published.body.id;
    },
    attemptsReach: (eventId, count, last) =>
      eventually(`${count} attempts of ${eventId}`, async () => {
        const attempts = await attemptsOf(eventId);
        const tail = attempts[count - 1];
        return attempts.length >= count && tail && (!last || last(tail)) ? attempts : undefined;
      }),
    settledDelivery: (destinationId, eventId) =>
      eventually(`settled delivery of ${eventId}`, async () => {
        const page = await api.get<{ models: DeliveryView[] }>(
          `/tenants/${tenantId}/destinations/${destinationId}/deliveries`,
        );
        const delivery = page.body.models.find((candidate) => candidate.event_id === eventId);
        return delivery && delivery.status !== 'retrying' ? delivery : undefined;
      }),
    stop: () => runtime.stop(),
  };
}

export interface GatedServerRuntime<S> {
  harness: DestinationTestRuntime;
  /** The loopback server standing in for the tenant's AWS service. */
  server: S;
  /** A fault gate in front of `server`, for the retry tests. */
  gate: TcpFaultGate;
  /** Releases the runtime's cached AWS clients, then stops the gate, the runtime and the server. */
  stop(): Promise<void>;
}

/** The runtime of an AWS destination test file, with the tenant's service on loopback behind a fault gate. */
export async function startGatedServerRuntime<S extends { port: number }>(
  startServer: () => Promise<S>,
  stopServer: (server: S) => Promise<void>,
): Promise<GatedServerRuntime<S>> {
  const [harness, server] = await Promise.all([startDestinationTestRuntime(), startServer()]);
  const gate = await startTcpFaultGate(server.port);
  return {
    harness,
    server,
    gate,
    async stop() {
      await clearAwsClients();
      await gate.close();
      await harness.stop();
      await stopServer(server);
    },
  };
}
