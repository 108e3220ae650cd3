import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One request a client sent: the operation, its table and, for a Query, the index it read. */
export interface RecordedCommand {
  /** `Query`, `BatchGetItem`, `GetItem`... */
  operation: string;
  table?: string;
  indexName?: string;
}

export interface CommandRecorder {
  commands: RecordedCommand[];
  /** `Query <index>` or the operation alone, in order: what a test compares. */
  summary(): string[];
  /** Forgets what was recorded so far. */
  clear(): void;
  stop(): void;
}

/**
 * Records every command a real DynamoDB client sends (SDK middleware; the requests still go to the
 * server), so that a test can say which reads an operation costs, e.g. "by key, no index Query".
 */
export function recordCommands(client: DynamoDBDocumentClient): CommandRecorder {
  const name = `record-commands-${Math.random().toString(36).slice(2)}`;
  const commands: RecordedCommand[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string; IndexName?: string };
      commands.push({
        operation: String(context.commandName).replace(/Command$/, ''),
        ...(input.TableName !== undefined ? { table: input.TableName } : {}),
        ...(input.IndexName !== undefined ? { indexName: input.IndexName } : {}),
      });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    commands,
    summary: () =>
      commands.map(({ operation, indexName }) => (indexName ? `${operation} ${indexName}` : operation)),
    clear: () => {
      commands.length = 0;
    },
    stop: () => {
      client.middlewareStack.remove(name);
    },
  };
}
