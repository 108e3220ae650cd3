import type { Topics } from './model';

/**
 * Topic routing and validation, following Outpost: `"*"` subscribes to everything, an entry containing
 * `*` is a pattern in which each `*` matches any run of characters (dots included), anything else is an
 * exact name. Patterns are matched by a small glob matcher, never by a RegExp built from tenant input.
 */

export const MAX_TOPIC_LENGTH = 255;
const ALL = '*';

/**
 * Whether a destination subscribed to `topics` receives an event published to `topic`.
 * As in Outpost, an event published without a topic (`""`) or to `"*"` reaches every destination:
 * a platform that does not use topics still delivers to all of a tenant's destinations.
 */
export function matchesTopic(topics: Topics, topic: string): boolean {
  if (topic === '' || topic === ALL || subscribesToAll(topics)) return true;
  return (topics as string[]).some((entry) => globMatches(entry, topic));
}

/** Validates and normalises a destination's `topics` (create and update). */
export function normaliseTopics(
  topics: Topics,
  configured: string[] | null,
): { topics: Topics } | { errors: string[] } {
  if (topics === ALL) return { topics: ALL };
  if (!Array.isArray(topics) || topics.length === 0) {
    return { errors: ['topics: must be "*" or a non-empty list of topics'] };
  }
  const errors: string[] = [];
  topics.forEach((entry: unknown, index) => {
    const at = `topics[${index}]`;
    const problem = topicNameProblem(entry);
    if (problem) errors.push(`${at}: ${problem}`);
    else if (entry !== ALL && configured) {
      const name = entry as string;
      if (!isPattern(name) && !configured.includes(name)) {
        errors.push(`${at}: ${JSON.stringify(name)} is not a configured topic`);
      } else if (isPattern(name) && !configured.some((topic) => globMatches(name, topic))) {
        errors.push(`${at}: ${JSON.stringify(name)} matches no configured topic`);
      }
    }
  });
  if (errors.length > 0) return { errors };
  if (topics.includes(ALL)) return { topics: ALL };
  return { topics: withoutRedundantEntries(topics) };
}

/**
 * Errors for the topic of a published event. With configured topics the topic is required and must be
 * one of them; without, any name is accepted and a missing topic is allowed (it reaches every
 * destination, see matchesTopic). `"*"` is accepted as Outpost's broadcast; other patterns are not
 * names and are refused.
 */
export function validatePublishTopic(topic: string | undefined, configured: string[] | null): string[] {
  if (topic === undefined || topic === '') {
    return configured ? ['topic: required because topics are configured'] : [];
  }
  const problem = topicNameProblem(topic);
  if (problem) return [`topic: ${problem}`];
  if (configured) {
    return configured.includes(topic) ? [] : [`topic: ${JSON.stringify(topic)} is not a configured topic`];
  }
  return isPattern(topic) ? ['topic: a published topic is a name, not a pattern'] : [];
}

/**
 * The `topics` shown on a tenant: the sorted union of its destinations' topics. A tenant with a `"*"`
 * destination is subscribed to everything: Outpost then shows the configured topic list; with no
 * configured list Outpost shows `[]`, which hides the subscription, so this shows `["*"]` instead.
 */
export function tenantTopics(
  destinations: { topics: Topics }[],
  configured: string[] | null = null,
): string[] {
  if (destinations.some((destination) => subscribesToAll(destination.topics))) {
    return configured ? [...configured].sort() : [ALL];
  }
  const union = new Set(destinations.flatMap((destination) => destination.topics as string[]));
  return [...union].sort();
}

function subscribesToAll(topics: Topics): boolean {
  return topics === ALL || topics.includes(ALL);
}

function isPattern(entry: string): boolean {
  return entry !== ALL && entry.includes(ALL);
}

function topicNameProblem(entry: unknown): string | null {
  if (typeof entry !== 'string') return 'must be a string';
  if (entry.length === 0) return 'must not be empty';
  if (entry.length > MAX_TOPIC_LENGTH) return `must be at most ${MAX_TOPIC_LENGTH} characters`;
  if (/[\s\p{Cc}]/u.test(entry)) return 'must not contain whitespace or control characters';
  return null;
}

/**
 * Drops exact duplicates and entries a strictly more general sibling already covers
 * (`["user.*","user.created"]` -> `["user.*"]`), keeping first-seen order. Matching results never change.
 */
function withoutRedundantEntries(topics: string[]): string[] {
  const kept: string[] = [];
  for (const entry of topics) {
    if (kept.includes(entry)) continue;
    const covered = topics.some(
      (other) => other !== entry && globMatches(other, entry) && !globMatches(entry, other),
    );
    if (!covered) kept.push(entry);
  }
  return kept;
}

/**
 * Glob match where `*` matches any run of characters; O(pattern x subject) in the worst case.
 * Matching one pattern against another pattern's text (its `*` taken literally) tells whether the first
 * covers the second, which is how withoutRedundantEntries uses it.
 */
function globMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  if (!pattern.includes(ALL)) return false;
  let p = 0;
  let s = 0;
  let star = -1;
  let starSubject = 0;
  while (s < subject.length) {
    if (p < pattern.length && pattern[p] === ALL) {
      star = p++;
      starSubject = s;
    } else if (p < pattern.length && pattern[p] === subject[s]) {
      p++;
      s++;
    } else if (star !== -1) {
      p = star + 1;
      s = ++starSubject;
    } else {
      return false;
    }
  }
  while (pattern[p] === ALL) p++;
  return p === pattern.length;
}
