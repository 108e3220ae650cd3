import type { Topics } from '../../lambdas/core/model';
import { matchesTopic, normaliseTopics, tenantTopics, validatePublishTopic } from '../../lambdas/core/topics';

const CONFIGURED = [
  'user.created',
  'user.deleted',
  'order.eu.completed',
  'order.us.completed',
  'order.created',
];

describe('matchesTopic', () => {
  it.each<[Topics, string, boolean]>([
    ['*', 'user.created', true],
    [['*'], 'anything', true],
    [['user.created', '*'], 'order.created', true],
    [['user.created'], 'user.created', true],
    [['user.created'], 'user.deleted', false],
    [['user.created'], 'user.created.v2', false],
    [['user.*'], 'user.created', true],
    [['user.*'], 'user.profile.updated', true],
    [['user.*'], 'user.', true],
    [['user.*'], 'user', false],
    [['user.*'], 'users.created', false],
    [['*.created'], 'order.created', true],
    [['*.created'], 'order.created.late', false],
    [['order.*.completed'], 'order.eu.completed', true],
    [['order.*.completed'], 'order.eu.west.completed', true],
    [['order.*.completed'], 'order.completed', false],
    [['a*b*c'], 'axxbyyc', true],
    [['a*b*c'], 'axxcyyb', false],
    [['user.(.+)'], 'user.created', false],
    [['user.(.+)'], 'user.(.+)', true],
    [['user.created'], '', true],
    [['user.created'], '*', true],
  ])('%j receives %j: %s', (topics, topic, expected) => {
    expect(matchesTopic(topics, topic)).toBe(expected);
  });
});

describe('normaliseTopics', () => {
  it.each<[string, Topics, string[] | null, Topics]>([
    ['"*" stays "*"', '*', CONFIGURED, '*'],
    ['a list with "*" becomes "*"', ['user.created', '*'], null, '*'],
    [
      'duplicates dropped, order kept',
      ['user.deleted', 'user.created', 'user.deleted'],
      CONFIGURED,
      ['user.deleted', 'user.created'],
    ],
    ['entries covered by a pattern dropped', ['user.*', 'user.created'], CONFIGURED, ['user.*']],
    [
      'covered entry before its pattern dropped too',
      ['user.created', 'order.created', 'user.*'],
      CONFIGURED,
      ['order.created', 'user.*'],
    ],
    ['a narrower pattern folds into a wider one', ['order.*', 'order.*.completed'], CONFIGURED, ['order.*']],
    [
      'patterns neither of which covers the other are both kept',
      ['*.created', 'user.*'],
      CONFIGURED,
      ['*.created', 'user.*'],
    ],
    ['any name accepted without configured topics', ['anything.goes', 'x.*'], null, ['anything.goes', 'x.*']],
  ])('%s', (_name, topics, configured, expected) => {
    expect(normaliseTopics(topics, configured)).toEqual({ topics: expected });
  });

  it.each<[string, unknown, string[] | null, string[]]>([
    ['empty list', [], null, ['topics: must be "*" or a non-empty list of topics']],
    ['not a list', 'user.created', null, ['topics: must be "*" or a non-empty list of topics']],
    ['empty entry', ['user.created', ''], null, ['topics[1]: must not be empty']],
    ['non-string entry', [42], null, ['topics[0]: must be a string']],
    ['whitespace', ['user created'], null, ['topics[0]: must not contain whitespace or control characters']],
    [
      'control character',
      ['user\u0000created'],
      null,
      ['topics[0]: must not contain whitespace or control characters'],
    ],
    ['too long', ['a'.repeat(256)], null, ['topics[0]: must be at most 255 characters']],
    [
      'unknown exact name',
      ['user.created', 'user.updated'],
      CONFIGURED,
      ['topics[1]: "user.updated" is not a configured topic'],
    ],
    [
      'pattern matching nothing configured',
      ['user.created', 'order.created', 'ordr.*'],
      CONFIGURED,
      ['topics[2]: "ordr.*" matches no configured topic'],
    ],
    [
      'every bad entry reported',
      ['nope', 'x.*'],
      CONFIGURED,
      ['topics[0]: "nope" is not a configured topic', 'topics[1]: "x.*" matches no configured topic'],
    ],
  ])('refuses %s', (_name, topics, configured, errors) => {
    expect(normaliseTopics(topics as Topics, configured)).toEqual({ errors });
  });

  it('never changes which topics match', () => {
    const topics = ['user.created', 'user.*', '*.created', 'order.*.completed', 'order.eu.completed'];
    const result = normaliseTopics(topics, null);
    if (!('topics' in result)) throw new Error('expected topics');
    for (const topic of [...CONFIGURED, 'user.x', 'billing.created', 'order.eu.refunded']) {
      expect(matchesTopic(result.topics, topic)).toBe(matchesTopic(topics, topic));
    }
  });
});

describe('validatePublishTopic', () => {
  it.each<[string | undefined, string[] | null, string[]]>([
    ['user.created', CONFIGURED, []],
    ['user.updated', CONFIGURED, ['topic: "user.updated" is not a configured topic']],
    [undefined, CONFIGURED, ['topic: required because topics are configured']],
    ['', CONFIGURED, ['topic: required because topics are configured']],
    [undefined, null, []],
    ['anything.at.all', null, []],
    ['*', null, []],
    ['user.*', null, ['topic: a published topic is a name, not a pattern']],
    ['user created', null, ['topic: must not contain whitespace or control characters']],
    ['a'.repeat(256), null, ['topic: must be at most 255 characters']],
  ])('%j with %j', (topic, configured, errors) => {
    expect(validatePublishTopic(topic, configured)).toEqual(errors);
  });
});

describe('tenantTopics', () => {
  it.each<[string, Topics[], string[] | null, string[]]>([
    [
      'sorted union',
      [['user.deleted'], ['user.created', 'user.deleted']],
      null,
      ['user.created', 'user.deleted'],
    ],
    ['patterns listed as written', [['order.*'], ['user.created']], null, ['order.*', 'user.created']],
    ['no destinations', [], CONFIGURED, []],
    ['"*" shows the configured topics', [['user.created'], '*'], CONFIGURED, [...CONFIGURED].sort()],
    ['"*" without configured topics shows "*"', [['user.created'], ['*']], null, ['*']],
  ])('%s', (_name, topics, configured, expected) => {
    expect(
      tenantTopics(
        topics.map((t) => ({ topics: t })),
        configured,
      ),
    ).toEqual(expected);
  });
});
