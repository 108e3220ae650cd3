import type { AppDependencies } from './dependencies';
import { DestinationNotFoundError, ValidationError } from './errors';
import { explainFilter, validateFilter } from './filter';
import type { JsonObject, StringMap } from './model';
import { matchesTopic } from './topics';

export interface FilterTestInput {
  filter?: JsonObject | null;
  event: { id?: string; topic?: string; time?: string; metadata?: StringMap; data: JsonObject };
}

export interface FilterTestResult {
  matches: boolean;
  topic_matches: boolean;
  filter_matches: boolean;
  failed_path?: string;
  reason?: string;
}

/**
 * Would this event reach this destination, and if not, why? The portal uses it to let a tenant try a
 * filter before saving it (pass `filter`) or understand why an event was not delivered.
 */
export async function testDestinationFilter(
  deps: AppDependencies,
  tenantId: string,
  destinationId: string,
  input: FilterTestInput,
): Promise<FilterTestResult> {
  const destination = await deps.destinations.get(tenantId, destinationId);
  if (!destination) throw new DestinationNotFoundError();
  const filter = input.filter === undefined ? destination.filter : input.filter;
  const problems = validateFilter(filter ?? null);
  if (problems.length > 0) throw new ValidationError('invalid filter', problems);

  const event = {
    id: input.event.id ?? 'evt_test',
    topic: input.event.topic ?? '',
    time: input.event.time ?? deps.clock.now().toISOString(),
    metadata: input.event.metadata ?? null,
    data: input.event.data,
  };
  const topicMatches = matchesTopic(destination.topics, event.topic);
  const explained = explainFilter(filter ?? null, event);
  return {
    matches: topicMatches && explained.matches,
    topic_matches: topicMatches,
    filter_matches: explained.matches,
    ...(topicMatches
      ? {}
      : { reason: `destination does not subscribe to topic "${event.topic}"`, failed_path: 'topic' }),
    ...(topicMatches && !explained.matches
      ? { failed_path: explained.failed_path, reason: explained.reason }
      : {}),
  };
}
