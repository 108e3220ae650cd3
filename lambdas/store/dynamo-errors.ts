import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** Why a transaction was cancelled (`ConditionalCheckFailed`, `TransactionConflict`, ...): the first reason that is not `None`. */
export function cancellationReason(error: unknown): string | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return error.CancellationReasons?.find((reason) => reason.Code !== undefined && reason.Code !== 'None')
    ?.Code;
}

export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException;
