import type { Event, JsonObject } from './model';

/**
 * Destination filters: Hookdeck's filter dialect as Outpost's matcher (internal/simplejsonmatch)
 * evaluates it, plus `$regex`. The filter is matched against `{id, topic, time, metadata, data}` of the
 * event. One evaluator answers both "does it match" and "why not" (explainFilter); docs/filters.md is the
 * user-facing description, including where this deliberately differs from Outpost.
 */

export type FilterEvent = Pick<Event, 'id' | 'topic' | 'time' | 'metadata' | 'data'>;

export interface FilterExplanation {
  matches: boolean;
  /** The event path that failed (`data.price`), or the logical operator (`data.$or`). */
  failed_path?: string;
  reason?: string;
}

export const MAX_FILTER_DEPTH = 32;

const COMPARISONS = [
  '$eq',
  '$neq',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$startsWith',
  '$endsWith',
  '$exist',
  '$regex',
] as const;
const LOGICALS = ['$or', '$and', '$not'] as const;
type Comparison = (typeof COMPARISONS)[number];
const EVENT_FIELDS = ['id', 'topic', 'time', 'metadata', 'data'];

export function matchesFilter(filter: JsonObject | null, event: FilterEvent): boolean {
  return explainFilter(filter, event).matches;
}

export function explainFilter(filter: JsonObject | null, event: FilterEvent): FilterExplanation {
  if (!filter || Object.keys(filter).length === 0) return { matches: true };
  const outcome = matchValue(filterInput(event), filter, '');
  return outcome === PASS
    ? { matches: true }
    : { matches: false, failed_path: outcome.path, reason: outcome.reason };
}

/** Errors naming the filter path, e.g. `filter.data.price.$gte: expected a number or string, got object`. */
export function validateFilter(filter: unknown): string[] {
  if (filter === null) return [];
  if (!isObject(filter)) return [`filter: must be an object or null, got ${typeName(filter)}`];
  const errors: string[] = [];
  validateObject(filter, 'filter', true, 0, errors);
  return errors;
}

// ---------------------------------------------------------------- evaluation

/** A field absent from the event; distinct from a present `null`. */
const MISSING = Symbol('missing');
type Value = unknown;
interface Failure {
  path: string;
  reason: string;
}
const PASS = null;
type Outcome = Failure | typeof PASS;

function filterInput(event: FilterEvent): JsonObject {
  return {
    id: event.id,
    topic: event.topic,
    time: event.time,
    metadata: event.metadata ?? {},
    data: event.data,
  };
}

function fail(path: string, reason: string): Failure {
  return { path: path || '(event)', reason };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Matches a value (or MISSING) against a filter node: a scalar, an array, or an object of fields/operators. */
function matchValue(value: Value, schema: unknown, path: string): Outcome {
  if (value === MISSING && !isObject(schema)) return fail(path, 'is missing');
  if (Array.isArray(schema)) return matchContainsAll(value, schema, path);
  if (!isObject(schema)) return matchEquality(value, schema, path);
  // An object without comparison operators against an array applies to its elements (any may match),
  // so `{"items":{"sku":"a"}}` finds the item; with operators it applies to the array itself.
  const keys = Object.keys(schema);
  if (Array.isArray(value) && !keys.some(isComparison)) {
    return anyElement(value, path, (element) => matchValue(element, schema, path));
  }
  // As Outpost: `{}` below the root only says "is an object".
  if (keys.length === 0) return isObject(value) ? PASS : fail(path, `${show(value)} is not an object`);
  for (const [key, operand] of Object.entries(schema)) {
    const outcome = matchKey(value, key, operand, path);
    if (outcome !== PASS) return outcome;
  }
  return PASS;
}

function matchKey(value: Value, key: string, operand: unknown, path: string): Outcome {
  switch (key) {
    case '$or': {
      // Validation guarantees lists; a stored filter that bypassed it must fail, not throw, at publish.
      const branches = Array.isArray(operand) ? operand : [];
      if (branches.some((branch) => matchValue(value, branch, path) === PASS)) return PASS;
      return fail(join(path, '$or'), `none of the ${branches.length} branches matched`);
    }
    case '$and': {
      if (!Array.isArray(operand)) return fail(join(path, '$and'), 'is not a list');
      for (const branch of operand) {
        const outcome = matchValue(value, branch, path);
        if (outcome !== PASS) return outcome;
      }
      return PASS;
    }
    case '$not':
      return matchValue(value, operand, path) === PASS
        ? fail(join(path, '$not'), `matched the negated condition ${show(operand)}`)
        : PASS;
    default:
      if (isComparison(key)) return matchComparison(value, key, operand, path);
      if (value === MISSING) return fail(path, 'is missing');
      if (!isObject(value))
        return fail(path, `${show(value)} is not an object, cannot have field ${show(key)}`);
      return matchValue(Object.hasOwn(value, key) ? value[key] : MISSING, operand, join(path, key));
  }
}

function matchEquality(value: Value, expected: unknown, path: string): Outcome {
  if (Array.isArray(value))
    return anyElement(value, path, (element) => matchEquality(element, expected, path));
  return value === expected ? PASS : fail(path, `${show(value)} is not ${show(expected)}`);
}

/** An array filter matches an array value holding, for each filter element, some element matching it. */
function matchContainsAll(value: Value, schema: unknown[], path: string): Outcome {
  if (!Array.isArray(value)) return fail(path, `${show(value)} is not an array`);
  for (const wanted of schema) {
    if (!value.some((element) => matchValue(element, wanted, path) === PASS)) {
      return fail(path, `no element matches ${show(wanted)}`);
    }
  }
  return PASS;
}

function anyElement(values: unknown[], path: string, test: (element: unknown) => Outcome): Outcome {
  let first: Outcome = PASS;
  for (const element of values) {
    const outcome = test(element);
    if (outcome === PASS) return PASS;
    first ??= outcome;
  }
  return fail(
    path,
    first ? `no element matched (first: ${first.path}: ${first.reason})` : 'is an empty array',
  );
}

function matchComparison(value: Value, op: Comparison, operand: unknown, path: string): Outcome {
  if (op === '$exist') {
    const exists = value !== MISSING;
    return exists === operand ? PASS : fail(path, exists ? 'exists' : 'is missing');
  }
  if (value === MISSING) return fail(path, 'is missing');
  return compare(value, op, operand) ? PASS : fail(path, `${show(value)} is not ${op} ${show(operand)}`);
}

/** The comparison operators on a present value. Arrays match when any element does, except as noted. */
function compare(value: Value, op: Exclude<Comparison, '$exist'>, operand: unknown): boolean {
  switch (op) {
    case '$eq':
      return isEqual(value, operand);
    case '$neq':
      return !isEqual(value, operand);
    case '$in':
      return isIn(value, operand) === true;
    case '$nin':
      // As Outpost: when membership cannot be decided (type mismatch), neither $in nor $nin matches.
      return isIn(value, operand) === false;
    default:
      return Array.isArray(value)
        ? value.some((element) => compare(element, op, operand))
        : ordered(value, op, operand);
  }
}

/** Deep equality for array/object operands (the whole value); a scalar operand equals any element. */
function isEqual(value: Value, operand: unknown): boolean {
  if (Array.isArray(value) && !isContainer(operand)) return value.some((element) => element === operand);
  return deepEqual(value, operand);
}

/**
 * `$in` as Outpost: a list operand holds the value (any element of an array value); a scalar operand is
 * a substring of a string value or an element of an array value. `undefined` when the types do not allow
 * an answer.
 */
function isIn(value: Value, operand: unknown): boolean | undefined {
  if (Array.isArray(operand)) {
    if (Array.isArray(value))
      return value.some((element) => operand.includes(element) && !isContainer(element));
    return isContainer(value) ? undefined : operand.includes(value);
  }
  if (Array.isArray(value)) return value.includes(operand);
  if (typeof value === 'string' && typeof operand === 'string') return value.includes(operand);
  return undefined;
}

function ordered(value: Value, op: Comparison, operand: unknown): boolean {
  switch (op) {
    case '$startsWith':
    case '$endsWith': {
      if (typeof value !== 'string') return false;
      const affixes = Array.isArray(operand) ? operand : [operand];
      return affixes.some((affix) =>
        op === '$startsWith' ? value.startsWith(affix) : value.endsWith(affix),
      );
    }
    case '$regex':
      return typeof value === 'string' && testRegex(operand as string, value);
    default: {
      const order = compareScalars(value, operand);
      if (order === undefined) return false;
      if (op === '$gt') return order > 0;
      if (op === '$gte') return order >= 0;
      if (op === '$lt') return order < 0;
      return order <= 0;
    }
  }
}

/** Numbers by value, strings by Unicode code point (as Go compares UTF-8 bytes); other pairs: undefined. */
function compareScalars(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = (left[i] as string).codePointAt(0)! - (right[i] as string).codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** JSON equality: key order does not matter, array order does. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
    );
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
  );
}

// ---------------------------------------------------------------- validation

function validateNode(node: unknown, path: string, depth: number, errors: string[]): void {
  if (Array.isArray(node))
    node.forEach((element, i) => validateNode(element, `${path}[${i}]`, depth + 1, errors));
  else if (isObject(node)) validateObject(node, path, false, depth + 1, errors);
}

function validateObject(
  node: JsonObject,
  path: string,
  root: boolean,
  depth: number,
  errors: string[],
): void {
  if (depth > MAX_FILTER_DEPTH) {
    errors.push(`${path}: nests deeper than ${MAX_FILTER_DEPTH} levels`);
    return;
  }
  const keys = Object.keys(node);
  const operators = keys.filter(isComparison);
  const fields = keys.filter((key) => !key.startsWith('$'));
  if (operators.length > 0 && fields.length > 0) {
    errors.push(
      `${path}: cannot mix operators (${operators.join(', ')}) and field names (${fields.join(', ')})`,
    );
  }
  if (root && operators.length > 0) {
    errors.push(`${path}: operators need a field, e.g. {"data":{"amount":{"${operators[0]}":…}}}`);
  }
  for (const key of keys) {
    const at = `${path}.${key}`;
    const operand = node[key];
    if (key.startsWith('$')) {
      validateOperator(key, operand, at, root, depth, errors);
    } else if (root && !EVENT_FIELDS.includes(key)) {
      errors.push(
        `${at}: unknown event field; filters see ${EVENT_FIELDS.join(', ')} (the payload is under data)`,
      );
    } else {
      validateNode(operand, at, depth, errors);
    }
  }
}

function validateOperator(
  op: string,
  operand: unknown,
  at: string,
  root: boolean,
  depth: number,
  errors: string[],
): void {
  const problem = operandProblem(op, operand, root);
  if (problem) {
    errors.push(`${at}: ${problem}`);
    return;
  }
  if (op === '$or' || op === '$and') {
    (operand as unknown[]).forEach((branch, i) => validateBranch(branch, `${at}[${i}]`, root, depth, errors));
  } else if (op === '$not') {
    validateBranch(operand, at, root, depth, errors);
  }
}

function validateBranch(branch: unknown, at: string, root: boolean, depth: number, errors: string[]): void {
  if (isObject(branch)) validateObject(branch, at, root, depth + 1, errors);
  else validateNode(branch, at, depth, errors);
}

function operandProblem(op: string, operand: unknown, root: boolean): string | null {
  switch (op) {
    case '$or':
    case '$and': {
      const ok =
        Array.isArray(operand) &&
        operand.length > 0 &&
        operand.every((b) => (root ? isObject(b) : !Array.isArray(b)));
      if (ok) return null;
      return root ? 'must be a non-empty array of objects' : 'must be a non-empty array of objects or values';
    }
    case '$not':
      return isObject(operand) || (!root && !Array.isArray(operand))
        ? null
        : expected(root ? 'an object' : 'an object or a value', operand);
    case '$eq':
    case '$neq':
      return null;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return typeof operand === 'number' || typeof operand === 'string'
        ? null
        : expected('a number or string', operand);
    case '$in':
    case '$nin':
      if (Array.isArray(operand))
        return operand.every((x) => !isContainer(x))
          ? null
          : 'expected a list of values (no objects or arrays)';
      return typeof operand === 'string' || typeof operand === 'number' || typeof operand === 'boolean'
        ? null
        : expected('a list of values or a string', operand);
    case '$startsWith':
    case '$endsWith': {
      const ok =
        typeof operand === 'string' ||
        (Array.isArray(operand) && operand.length > 0 && operand.every((x) => typeof x === 'string'));
      return ok ? null : expected('a string or a non-empty list of strings', operand);
    }
    case '$exist':
      return typeof operand === 'boolean' ? null : expected('true or false', operand);
    case '$regex':
      return typeof operand === 'string' ? regexProblem(operand) : expected('a string', operand);
    default:
      return `unknown operator; supported: ${[...COMPARISONS, ...LOGICALS].join(' ')}`;
  }
}

function expected(what: string, operand: unknown): string {
  return `expected ${what}, got ${typeName(operand)}`;
}

// ---------------------------------------------------------------- $regex

/**
 * Node has no regex timeout, so a tenant's pattern is made safe by shape instead: patterns that can
 * backtrack catastrophically are refused at validation (and never run if one was stored anyway), and
 * only the first REGEX_SUBJECT_CAP characters of a value are tested. With at most two sources of
 * polynomial backtracking allowed, the worst case measured on this machine is ~12 ms at 4096 characters
 * (~70 ms at 10 KiB, which is why the cap is 4 KiB); three make it minutes.
 */
export const MAX_REGEX_LENGTH = 256;
export const REGEX_SUBJECT_CAP = 4096;
const REGEX_CACHE_SIZE = 256;
/** A bounded quantifier whose range is wider than this counts as unbounded (`{0,1000}` ~ `*`). */
const WIDE_RANGE = 16;
const MAX_OPTIONAL_COMBINATIONS = 1024;

const compiledRegexes = new Map<string, RegExp | null>();

function testRegex(pattern: string, subject: string): boolean {
  let regex = compiledRegexes.get(pattern);
  if (regex === undefined) {
    if (compiledRegexes.size >= REGEX_CACHE_SIZE) compiledRegexes.clear();
    regex = regexProblem(pattern) === null ? new RegExp(pattern, 'u') : null;
    compiledRegexes.set(pattern, regex);
  }
  return (
    regex !== null &&
    regex.test(subject.length > REGEX_SUBJECT_CAP ? subject.slice(0, REGEX_SUBJECT_CAP) : subject)
  );
}

function regexProblem(pattern: string): string | null {
  if (pattern.length > MAX_REGEX_LENGTH) return `pattern longer than ${MAX_REGEX_LENGTH} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return (error as Error).message;
  }
  return regexShapeProblem(pattern);
}

interface GroupShape {
  quantified: boolean;
  alternation: boolean;
}

/**
 * A structural scan of a pattern already known to compile: refuses a repeated group that contains a
 * quantifier or an alternation (`(a+)+`, `(a*)*`, `(a|a)*`), backreferences and lookarounds, more than
 * two sources of unbounded backtracking (each `*`, `+`, `{n,}`, plus an unanchored start), and more
 * than MAX_OPTIONAL_COMBINATIONS combinations of small optional parts (`a?a?a?...`).
 */
function regexShapeProblem(pattern: string): string | null {
  const groups: GroupShape[] = [{ quantified: false, alternation: false }];
  let topLevelAlternation = false;
  let unbounded = 0;
  let combinations = 1;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i] as string;
    let closed: GroupShape | undefined;
    if (char === '\\') {
      const next = pattern[i + 1] ?? '';
      if ((next >= '1' && next <= '9') || next === 'k') return 'backreferences are not supported';
      i = 'pPu'.includes(next) && pattern[i + 2] === '{' ? pattern.indexOf('}', i) + 1 : i + 2;
    } else if (char === '[') {
      i = classEnd(pattern, i);
    } else if (char === '(') {
      if (/^\(\?<?[=!]/.test(pattern.slice(i, i + 4))) return 'lookahead and lookbehind are not supported';
      groups.push({ quantified: false, alternation: false });
      i++;
      continue;
    } else if (char === ')') {
      closed = groups.pop() as GroupShape;
      const parent = groups[groups.length - 1] as GroupShape;
      parent.quantified ||= closed.quantified;
      parent.alternation ||= closed.alternation;
      i++;
    } else {
      if (char === '|') {
        (groups[groups.length - 1] as GroupShape).alternation = true;
        topLevelAlternation ||= groups.length === 1;
      }
      i++;
      if (char === '|' || char === '^' || char === '$') continue;
    }
    const quantifier = readQuantifier(pattern, i);
    if (!quantifier) continue;
    i = quantifier.end;
    const repeats = quantifier.max > 1;
    if (repeats && closed && (closed.quantified || closed.alternation)) {
      return 'nested quantifiers (a repeated group containing a quantifier or |) can backtrack catastrophically';
    }
    (groups[groups.length - 1] as GroupShape).quantified = true;
    if (quantifier.max - quantifier.min > WIDE_RANGE) unbounded++;
    else combinations *= quantifier.max - quantifier.min + 1;
  }
  const anchored = pattern.startsWith('^') && !topLevelAlternation;
  if (unbounded + (anchored ? 0 : 1) > 2) {
    return 'too many unbounded repetitions: use at most one *, + or {n,} (two when the pattern starts with ^)';
  }
  if (combinations > MAX_OPTIONAL_COMBINATIONS) return 'too many optional parts';
  return null;
}

function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  while (i < pattern.length) {
    if (pattern[i] === '\\') i += 2;
    else if (pattern[i] === ']') return i + 1;
    else i++;
  }
  return i;
}

function readQuantifier(pattern: string, at: number): { min: number; max: number; end: number } | null {
  const char = pattern[at];
  let quantifier: { min: number; max: number; end: number } | null = null;
  if (char === '*') quantifier = { min: 0, max: Infinity, end: at + 1 };
  else if (char === '+') quantifier = { min: 1, max: Infinity, end: at + 1 };
  else if (char === '?') quantifier = { min: 0, max: 1, end: at + 1 };
  else if (char === '{') {
    const range = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
    if (!range) return null;
    const min = Number(range[1]);
    const max = range[2] === undefined ? min : range[3] ? Number(range[3]) : Infinity;
    quantifier = { min, max, end: at + range[0].length };
  }
  if (quantifier && pattern[quantifier.end] === '?') quantifier.end++; // lazy: same backtracking bound
  return quantifier;
}

// ---------------------------------------------------------------- helpers

function isComparison(key: string): key is Comparison {
  return (COMPARISONS as readonly string[]).includes(key);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** A value as it appears in explanations, cut so a large payload cannot bloat the response. */
function show(value: unknown): string {
  if (value === MISSING) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
