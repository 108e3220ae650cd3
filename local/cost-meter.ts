import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsInstrumentation } from '../lambdas/handlers/dependencies';

/**
 * Counts what AWS would bill for the work the local runtime does: DynamoDB capacity units (every call
 * asks for ReturnConsumedCapacity TOTAL), SQS requests (one per 64 KiB chunk of payload), Lambda
 * invocations with their duration and CPU time, and API Gateway requests (one per 512 KiB). `npm run bench` resets
 * it, runs a scenario, and divides a snapshot by the deliveries the scenario made.
 */

export interface DynamoDbUsage {
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** Calls that failed (a conditional check, say): AWS still bills them, but no figure comes back. */
  failedRequests: number;
}

export interface SqsUsage {
  calls: number;
  /** SQS bills each 64 KiB chunk of a request's payload as one request. */
  billedRequests: number;
}

export interface LambdaUsage {
  invocations: number;
  /** Wall-clock duration per invocation, rounded up to the millisecond as Lambda bills it. */
  billedMs: number;
  /**
   * Process CPU time (user + system) spent while the invocation ran. The process's CPU between two
   * invocation boundaries is shared equally by the invocations in flight then, so overlapping
   * invocations are not counted twice; in-process work that is not a handler's (the API Gateway
   * adapter, pollers, a bench client or receiver in the same process) that runs meanwhile is included,
   * which makes it an upper bound of the handler's own CPU. The emulators run in other processes.
   */
  cpuMs: number;
}

export interface CostSnapshot {
  /** By `<Command> <table>`. */
  dynamodb: Record<string, DynamoDbUsage>;
  /** By command; a ReceiveMessage that returned nothing counts in `emptyReceives` instead. */
  sqs: Record<string, SqsUsage>;
  /** Idle polls of the event source mappings: a fixed cost per queue, not a cost per event. */
  emptyReceives: number;
  /** By function logical id. */
  lambda: Record<string, LambdaUsage>;
  apiGateway: { requests: number; billedRequests: number };
}

const SQS_BILLING_CHUNK_BYTES = 64 * 1024;
const HTTP_API_BILLING_CHUNK_BYTES = 512 * 1024;
const READ_COMMANDS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);
const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

interface ConsumedCapacity {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

interface SqsMessageShape {
  Body?: string;
  MessageBody?: string;
  MessageAttributes?: Record<string, { StringValue?: string; BinaryValue?: Uint8Array; DataType?: string }>;
}

/** An invocation in flight and the CPU attributed to it so far. */
interface RunningInvocation {
  cpuMicros: number;
}

export class CostMeter implements AwsInstrumentation {
  private counts = emptySnapshot();
  private readonly running = new Set<RunningInvocation>();
  private cpuMark = process.cpuUsage();

  reset(): void {
    this.counts = emptySnapshot();
  }

  snapshot(): CostSnapshot {
    return structuredClone(this.counts);
  }

  instrumentDynamoDb(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const metered = READ_COMMANDS.has(command) || WRITE_COMMANDS.has(command);
        const input = args.input as Record<string, unknown>;
        if (metered) input.ReturnConsumedCapacity = 'TOTAL';
        try {
          const result = await next(args);
          if (metered) this.recordCapacity(command, input, result.output as Record<string, unknown>);
          return result;
        } catch (error) {
          if (metered) this.dynamoUsage(command, tableOf(input)).failedRequests += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'costMeterConsumedCapacity' },
    );
  }

  instrumentSqs(client: SQSClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const result = await next(args);
        const input = args.input as { Entries?: SqsMessageShape[] } & SqsMessageShape;
        const output = result.output as { Messages?: SqsMessageShape[] };
        if (command === 'ReceiveMessageCommand' && (output.Messages ?? []).length === 0) {
          this.counts.emptyReceives += 1;
          return result;
        }
        const payloads =
          command === 'ReceiveMessageCommand'
            ? (output.Messages ?? [])
            : command === 'SendMessageBatchCommand'
              ? (input.Entries ?? [])
              : command === 'SendMessageCommand'
                ? [input]
                : [];
        const bytes = payloads.reduce((sum, message) => sum + messageBytes(message), 0);
        const usage = (this.counts.sqs[command] ??= { calls: 0, billedRequests: 0 });
        usage.calls += 1;
        usage.billedRequests += Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES));
        return result;
      },
      { step: 'initialize', name: 'costMeterSqsRequests' },
    );
  }

  /** Times each invocation of a handler as Lambda would bill it, and the CPU it used. */
  meterInvocations<E, R>(logicalId: string, handler: (event: E) => Promise<R>): (event: E) => Promise<R> {
    return async (event) => {
      this.attributeCpu();
      const invocation: RunningInvocation = { cpuMicros: 0 };
      this.running.add(invocation);
      const started = performance.now();
      try {
        return await handler(event);
      } finally {
        const wallMs = performance.now() - started;
        this.attributeCpu();
        this.running.delete(invocation);
        const usage = (this.counts.lambda[logicalId] ??= { invocations: 0, billedMs: 0, cpuMs: 0 });
        usage.invocations += 1;
        usage.billedMs += Math.ceil(wallMs);
        usage.cpuMs += invocation.cpuMicros / 1000;
      }
    };
  }

  /** One HTTP API request per 512 KiB of request body. */
  recordApiRequest(bodyBytes: number): void {
    this.counts.apiGateway.requests += 1;
    this.counts.apiGateway.billedRequests += Math.max(1, Math.ceil(bodyBytes / HTTP_API_BILLING_CHUNK_BYTES));
  }

  /** Shares the process CPU used since the last boundary among the invocations in flight. */
  private attributeCpu(): void {
    const since = process.cpuUsage(this.cpuMark);
    this.cpuMark = process.cpuUsage();
    if (this.running.size === 0) return;
    const share = (since.user + since.system) / this.running.size;
    for (const invocation of this.running) invocation.cpuMicros += share;
  }

  private recordCapacity(command: string, input: Record<string, unknown>, output: Record<string, unknown>) {
    const consumed = output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
    const entries = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    if (entries.length === 0) {
      this.dynamoUsage(command, tableOf(input)).requests += 1;
      return;
    }
    // A transaction or batch over several tables bills each; the request is counted once, on the first.
    entries.forEach((entry, index) => {
      const usage = this.dynamoUsage(command, entry.TableName ?? tableOf(input));
      if (index === 0) usage.requests += 1;
      const units = entry.CapacityUnits ?? 0;
      if (READ_COMMANDS.has(command)) usage.readUnits += entry.ReadCapacityUnits ?? units;
      else usage.writeUnits += entry.WriteCapacityUnits ?? units;
    });
  }

  private dynamoUsage(command: string, table: string): DynamoDbUsage {
    return (this.counts.dynamodb[`${command.replace(/Command$/, '')} ${table}`] ??= {
      requests: 0,
      readUnits: 0,
      writeUnits: 0,
      failedRequests: 0,
    });
  }
}

function emptySnapshot(): CostSnapshot {
  return {
    dynamodb: {},
    sqs: {},
    emptyReceives: 0,
    lambda: {},
    apiGateway: { requests: 0, billedRequests: 0 },
  };
}

function tableOf(input: Record<string, unknown>): string {
  if (typeof input.TableName === 'string') return input.TableName;
  const items = (input.RequestItems ?? input.TransactItems) as
    Record<string, unknown> | unknown[] | undefined;
  if (items && !Array.isArray(items)) return Object.keys(items).join('+');
  return 'multiple';
}

/** SQS's billed size: the body plus each attribute's name, type and value. */
function messageBytes(message: SqsMessageShape): number {
  let bytes = Buffer.byteLength(message.Body ?? message.MessageBody ?? '');
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += value.StringValue !== undefined ? Buffer.byteLength(value.StringValue) : 0;
    bytes += value.BinaryValue?.length ?? 0;
  }
  return bytes;
}
