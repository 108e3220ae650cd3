import type { Destination, Event, StringMap } from '../core/model';

/**
 * Event metadata as SQS/SNS message attributes: `event-id`, `topic`, `timestamp` (the event's
 * time), then the event's metadata and the destination's delivery_metadata (the tenant's own
 * configuration wins a clash; the three reserved names cannot be overridden).
 *
 * SQS accepts at most 10 attributes per message (and SNS -> SQS delivery drops messages with more),
 * so the three reserved ones are always sent and the others fill the remaining 7 in name order; the
 * rest are left out. Names SQS would reject (characters outside [A-Za-z0-9_.-], an `AWS.`/`Amazon.`
 * prefix, a leading/trailing or doubled period, over 256 characters) are left out too rather than
 * failing the delivery of the event itself.
 */
export const MAX_MESSAGE_ATTRIBUTES = 10;
const RESERVED = ['event-id', 'topic', 'timestamp'];

export function isValidAttributeName(name: string): boolean {
  return (
    /^[A-Za-z0-9_.-]{1,256}$/.test(name) &&
    !/^(aws|amazon)\./i.test(name) &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..')
  );
}

export function messageMetadata(event: Event, destination: Destination): StringMap {
  const extra = { ...event.metadata, ...destination.delivery_metadata };
  const names = Object.keys(extra)
    .filter((name) => !RESERVED.includes(name) && isValidAttributeName(name) && extra[name] !== '')
    .sort()
    .slice(0, MAX_MESSAGE_ATTRIBUTES - RESERVED.length);
  const metadata: StringMap = { 'event-id': event.id, topic: event.topic, timestamp: event.time };
  for (const name of names) metadata[name] = extra[name]!;
  return metadata;
}

/** The SDK's MessageAttributes shape (SQS and SNS share it): every value a String. */
export function stringAttributes(
  metadata: StringMap,
): Record<string, { DataType: 'String'; StringValue: string }> {
  return Object.fromEntries(
    Object.entries(metadata).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}
