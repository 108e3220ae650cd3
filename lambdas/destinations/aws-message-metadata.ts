import { z } from 'zod';
import type { DestinationField } from '../core/destination-adapter';
import type { Destination, Event, StringMap } from '../core/model';
import { messageMetadata as allMessageMetadata } from './message-fields';

/**
 * Event metadata on AWS messages. As SQS/SNS message attributes: `event-id`, `topic`, `timestamp` (the event's
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

/**
 * The `metadata_in_payload` option of the types whose messages carry no attributes (Kinesis records,
 * EventBridge events). Off, the payload is the event's data as published; on, it is Outpost's
 * Kinesis envelope (withMetadata). Opt-in per destination, so a consumer of the data as published
 * never sees its shape change.
 */
export const metadataInPayloadSchema = z.enum(['true', 'false']).optional();

export function metadataInPayloadField(where: string): DestinationField {
  return {
    key: 'metadata_in_payload',
    type: 'checkbox',
    label: 'Metadata in payload',
    description: `Wrap the data as {"metadata": {...}, "data": <data>} in ${where}, with event-id, topic, timestamp, the event's metadata and your delivery metadata.`,
    required: false,
    default: 'false',
  };
}

/**
 * `{"metadata":{...},"data":<data>}` with every metadata entry (message-fields.ts: nothing dropped,
 * there is no attribute limit here). The data's bytes are spliced in as they are, not re-serialised,
 * so `data` stays byte for byte what the producer published.
 */
export function withMetadata(data: Buffer, event: Event, destination: Destination): Buffer {
  const metadata = allMessageMetadata(event, destination);
  return Buffer.concat([
    Buffer.from(`{"metadata":${JSON.stringify(metadata)},"data":`, 'utf8'),
    data,
    Buffer.from('}'),
  ]);
}
