import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One request a client sent: the command and, for Query, the index it read. */
export interface RecordedCommand {
  command: string;
  indexName?: string;
}

export interface CommandRecorder {
  commands: RecordedCommand[];
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
      const input = args.input as { IndexName?: string };
      commands.push({
        command: String(context.commandName),
        ...(input.IndexName !== undefined ? { indexName: input.IndexName } : {}),
      });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    commands,
    clear: () => {
      commands.length = 0;
    },
    stop: () => {
      client.middlewareStack.remove(name);
    },
  };
}
