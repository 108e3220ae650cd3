import { RE2JS } from 're2js';
import type { Event, JsonObject } from './model';

/**
 * Destination filters: Hookdeck's filter dialect evaluated exactly as Outpost's matcher
 * (internal/simplejsonmatch, a port of Hookdeck's simple-json-match) evaluates it, plus `$regex`,
 * which Outpost lacks. The filter is matched against `{id, topic, time, metadata, data}` of the event.
 * One evaluator answers both "does it match" and "why not" (explainFilter), within a bounded amount of
 * work. docs/filters.md is the user-facing description, including the few differences from Outpost.
 */

export type FilterEvent = Pick<Event, 'id' | 'topic' | 'time' | 'metadata' | 'data'>;

export interface FilterExplanation {
  matches: boolean;
  /** The event path that failed (`data.price`), or the logical operator (`data.$or`). */
  failed_path?: string;
  reason?: string;
}

export const MAX_FILTER_DEPTH = 32;

/**
 * The work one evaluation may do, in steps of ~100 ns: one per filter node compared with an event value
 * (array elements, `$in` list entries and values inside an `$eq` comparison included), and a `$regex`
 * test by its worst-case cost. Past the budget the evaluation stops and the event does not match, so
 * no filter, however it meets a huge array, holds up the publish Lambda for more than tens of ms.
 */
export const MAX_FILTER_STEPS = 200_000;
/** How deep an evaluation descends into the event (Outpost has no limit; the stack here has one). */
export const MAX_NESTING = 256;

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
/** Every operator a filter may use (what the API documents). */
export const FILTER_OPERATORS: readonly string[] = [...COMPARISONS, ...LOGICALS];
type Comparison = (typeof COMPARISONS)[number];
const EVENT_FIELDS = ['id', 'topic', 'time', 'metadata', 'data'];

export function matchesFilter(filter: JsonObject | null, event: FilterEvent): boolean {
  return explainFilter(filter, event).matches;
}

export function explainFilter(filter: JsonObject | null, event: FilterEvent): FilterExplanation {
  if (!filter || Object.keys(filter).length === 0) return { matches: true };
  return explainMatch(filterInput(event), filter);
}

/** Outpost's `simplejsonmatch.Match` on any JSON input; filters see the event view of filterInput. */
export function explainMatch(input: unknown, schema: unknown): FilterExplanation {
  let outcome: Outcome;
  try {
    outcome = new Evaluation().document(input, schema, '');
  } catch (error) {
    if (!(error instanceof EvaluationStopped)) throw error;
    outcome = error.failure;
  }
  return outcome === PASS
    ? { matches: true }
    : { matches: false, failed_path: outcome.path, reason: outcome.reason() };
}

/** Errors naming the filter path, e.g. `filter.data.price.$gte: expected a number or string, got object`. */
export function validateFilter(filter: unknown): string[] {
  if (filter === null) return [];
  if (!isObject(filter)) return [`filter: must be an object or null, got ${typeName(filter)}`];
  const found: Validation = { errors: [], regexes: 0 };
  validateObject(filter, 'filter', true, 0, found);
  if (found.regexes > MAX_REGEXES_PER_FILTER) {
    found.errors.push(`filter: has ${found.regexes} $regex operators, more than ${MAX_REGEXES_PER_FILTER}`);
  }
  return found.errors;
}

// ---------------------------------------------------------------- evaluation

/** The reason is only written out for the failure that is reported, not for every element tried. */
interface Failure {
  path: string;
  reason: () => string;
}
const PASS = null;
type Outcome = Failure | typeof PASS;

/** Thrown to end an evaluation that reached a limit: it does not match, even under `$not`. */
class EvaluationStopped extends Error {
  constructor(readonly failure: Failure) {
    super(failure.reason());
  }
}

/**
 * As Outpost builds it: metadata `{}` when absent, and `time` in RFC 3339 to the second, as Go's
 * `time.Format("2006-01-02T15:04:05Z07:00")` writes it (events are stored in UTC).
 */
function filterInput(event: FilterEvent): JsonObject {
  const time = Date.parse(event.time);
  return {
    id: event.id,
    topic: event.topic,
    time: Number.isNaN(time) ? event.time : new Date(time).toISOString().replace(/\.\d+Z$/, 'Z'),
    metadata: event.metadata ?? {},
    data: event.data,
  };
}

function fail(path: string, reason: () => string): Failure {
  return { path: path || '(event)', reason };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * One evaluation, with its step count. The two methods are Outpost's two mutually recursive
 * functions, and the context they give a filter node decides what it means: `document` reads the
 * keys of an object filter as field names (and `$or`/`$and`/`$not`), `value` tests one value with
 * a literal, a list or an object of operators.
 */
class Evaluation {
  private steps = 0;
  private depth = 0;

  /** Outpost's matchJSONToSchema. */
  document(input: unknown, schema: unknown, path: string): Outcome {
    this.charge(1, path);
    if (isObject(schema) && Object.hasOwn(schema, '$not')) {
      const negated = schema['$not'];
      if (this.document(input, negated, path) === PASS) {
        return fail(join(path, '$not'), () => `matched the negated condition ${show(negated)}`);
      }
      if (Object.keys(schema).length === 1) return PASS;
    }
    if (!isObject(input) || !isObject(schema)) return this.value(input, schema, path);
    for (const key of Object.keys(schema)) {
      const outcome = this.documentKey(input, key, schema[key], path);
      if (outcome !== PASS) return outcome;
    }
    return PASS;
  }

  private documentKey(input: JsonObject, key: string, operand: unknown, path: string): Outcome {
    if (key === '$not') return PASS; // done by document()
    if (key === '$or' && Array.isArray(operand)) return this.anyBranch(input, operand, path);
    if (key === '$and' && Array.isArray(operand)) {
      for (const branch of operand) {
        const outcome = this.document(input, branch, path);
        if (outcome !== PASS) return outcome;
      }
      return PASS;
    }
    // Any other key, operator-looking or not, names a field here.
    const at = join(path, key);
    if (Object.hasOwn(input, key)) return this.value(input[key], operand, at);
    // As Outpost: only `$exist: false` in the field's own object accepts a missing field.
    return isObject(operand) && operand['$exist'] === false ? PASS : fail(at, () => 'is missing');
  }

  /** Outpost's recursivelyMatchValue (which answers "mismatch"; this answers "match"). */
  value(input: unknown, schema: unknown, path: string): Outcome {
    this.charge(1, path);
    // Every descent into the event passes here; the limit keeps a deeply nested payload off the stack.
    if (this.depth >= MAX_NESTING) this.stop(path, `nests deeper than ${MAX_NESTING} levels`);
    this.depth++;
    try {
      return this.matchValue(input, schema, path);
    } finally {
      this.depth--;
    }
  }

  private matchValue(input: unknown, schema: unknown, path: string): Outcome {
    if (isPrimitive(schema)) {
      if (Array.isArray(input)) return this.anyElement(input, path, (e) => this.value(e, schema, path));
      return input === schema ? PASS : fail(path, () => `${show(input)} is not ${show(schema)}`);
    }
    if (Array.isArray(input)) {
      if (Array.isArray(schema)) return this.containsAll(input, schema, path);
      // An object of operators tests the array itself; any other object, each element.
      const schemaObject = schema as JsonObject;
      if (hasComparison(schemaObject)) return this.comparisons(input, schemaObject, path);
      return this.anyElement(input, path, (element) => this.value(element, schemaObject, path));
    }
    if (!isObject(schema)) return fail(path, () => `${show(input)} is not an array`);
    // `$or` first, and alone; then comparison operators, alone (the other keys are not evaluated).
    const or = schema['$or'];
    if (Array.isArray(or)) return this.anyBranch(input, or, path);
    if (hasComparison(schema)) return this.comparisons(input, schema, path);
    if (!isObject(input)) {
      const keys = Object.keys(schema);
      return fail(path, () =>
        keys.length === 0
          ? `${show(input)} is not an object`
          : `${show(input)} is not an object, so ${keys.join(', ')} cannot apply`,
      );
    }
    return this.document(input, schema, path);
  }

  private anyBranch(input: unknown, branches: unknown[], path: string): Outcome {
    if (branches.some((branch) => this.document(input, branch, path) === PASS)) return PASS;
    return fail(join(path, '$or'), () => `none of the ${branches.length} branches matched`);
  }

  /** A list filter matches an array holding, for each filter element, some element matching it. */
  private containsAll(input: unknown[], schema: unknown[], path: string): Outcome {
    for (const wanted of schema) {
      if (!input.some((element) => this.value(element, wanted, path) === PASS)) {
        return fail(path, () => `no element matches ${show(wanted)}`);
      }
    }
    return PASS;
  }

  private anyElement(values: unknown[], path: string, test: (element: unknown) => Outcome): Outcome {
    let first: Outcome = PASS;
    for (const element of values) {
      const outcome = test(element);
      if (outcome === PASS) return PASS;
      first ??= outcome;
    }
    return fail(path, () =>
      first ? `no element matched (first: ${first.path}: ${first.reason()})` : 'is an empty array',
    );
  }

  /** Every comparison operator of the object holds for the value; the object's other keys are ignored. */
  private comparisons(input: unknown, schema: JsonObject, path: string): Outcome {
    for (const op of Object.keys(schema)) {
      const operand = schema[op];
      if (!isComparison(op) || this.compare(input, op, operand, path)) continue;
      return fail(path, () => (op === '$exist' ? 'exists' : `${show(input)} is not ${op} ${show(operand)}`));
    }
    return PASS;
  }

  /** Outpost's operators (applyOperator), where a type the operator cannot handle is a non-match. */
  private compare(value: unknown, op: Comparison, operand: unknown, path: string): boolean {
    switch (op) {
      case '$eq':
        return this.equals(value, operand, path);
      case '$neq':
        return !this.equals(value, operand, path);
      case '$in':
        return this.isIn(value, operand, path) === true;
      case '$nin':
        return this.isIn(value, operand, path) === false;
      case '$startsWith':
      case '$endsWith':
        return typeof value === 'string' && hasAffix(value, op, operand);
      case '$exist':
        return operand === true; // the value is present: a missing field never reaches an operator
      case '$regex':
        return typeof value === 'string' && typeof operand === 'string' && this.regex(operand, value, path);
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

  /** Scalars by value and type; anything else by JSON equality, as Outpost compares encodings. */
  private equals(value: unknown, operand: unknown, path: string): boolean {
    if (isPrimitive(value) || isPrimitive(operand)) return value === operand;
    return this.jsonEqual(value, operand, path, this.depth);
  }

  private jsonEqual(a: unknown, b: unknown, path: string, depth: number): boolean {
    this.charge(1, path);
    // -0 and 0 encode differently inside a container.
    if (isPrimitive(a) || isPrimitive(b)) return Object.is(a, b);
    if (depth >= MAX_NESTING) this.stop(path, `nests deeper than ${MAX_NESTING} levels`);
    if (Array.isArray(a) || Array.isArray(b)) {
      return (
        Array.isArray(a) &&
        Array.isArray(b) &&
        a.length === b.length &&
        a.every((x, i) => this.jsonEqual(x, b[i], path, depth + 1))
      );
    }
    const left = a as JsonObject;
    const right = b as JsonObject;
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && this.jsonEqual(left[key], right[key], path, depth + 1))
    );
  }

  /**
   * `$in`: a list operand holds the (scalar) value; a string operand is a substring of a string
   * value; any other operand is an element of an array value. `undefined` when the types allow no
   * answer, which fails `$nin` as well.
   */
  private isIn(value: unknown, operand: unknown, path: string): boolean | undefined {
    if (Array.isArray(operand)) {
      if (!isPrimitive(value)) return undefined;
      this.charge(operand.length, path);
      return operand.includes(value);
    }
    if (typeof value === 'string') return typeof operand === 'string' ? value.includes(operand) : undefined;
    if (!Array.isArray(value)) return undefined;
    this.charge(value.length, path);
    return isPrimitive(operand) && value.includes(operand);
  }

  private regex(pattern: string, subject: string, path: string): boolean {
    const compiled = cachedPattern(pattern);
    if (compiled === null) return false;
    const tested = subject.length > REGEX_SUBJECT_CAP ? subject.slice(0, REGEX_SUBJECT_CAP) : subject;
    this.charge(1 + Math.ceil((tested.length * compiled.programSize()) / REGEX_WORK_PER_STEP), path);
    return compiled.test(tested);
  }

  private charge(steps: number, path: string): void {
    this.steps += steps;
    if (this.steps > MAX_FILTER_STEPS) this.stop(path, `evaluation stopped after ${MAX_FILTER_STEPS} steps`);
  }

  private stop(path: string, reason: string): never {
    throw new EvaluationStopped(fail(path, () => reason));
  }
}

function hasAffix(value: string, op: '$startsWith' | '$endsWith', operand: unknown): boolean {
  const test = (affix: string) => (op === '$startsWith' ? value.startsWith(affix) : value.endsWith(affix));
  if (typeof operand === 'string') return test(operand);
  if (!Array.isArray(operand)) return false;
  // In order: a non-string element ends the search without a match.
  for (const affix of operand) {
    if (typeof affix !== 'string') return false;
    if (test(affix)) return true;
  }
  return false;
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

// ---------------------------------------------------------------- validation

interface Validation {
  errors: string[];
  regexes: number;
}

function validateNode(node: unknown, path: string, depth: number, found: Validation): void {
  if (Array.isArray(node)) {
    if (depth >= MAX_FILTER_DEPTH) found.errors.push(tooDeep(path));
    else node.forEach((element, i) => validateNode(element, `${path}[${i}]`, depth + 1, found));
  } else if (isObject(node)) validateObject(node, path, false, depth + 1, found);
}

function tooDeep(path: string): string {
  return `${path}: nests deeper than ${MAX_FILTER_DEPTH} levels`;
}

/** Whether a value has containers more than `levels` deep (looking no deeper than that). */
function nestsDeeper(value: unknown, levels: number): boolean {
  if (!isContainer(value)) return false;
  return levels <= 0 || Object.values(value).some((child) => nestsDeeper(child, levels - 1));
}

function validateObject(
  node: JsonObject,
  path: string,
  root: boolean,
  depth: number,
  found: Validation,
): void {
  if (depth > MAX_FILTER_DEPTH) {
    found.errors.push(tooDeep(path));
    return;
  }
  const keys = Object.keys(node);
  const operators = keys.filter(isComparison);
  // Beside comparison operators, field names, $and and $not are never evaluated (only $or may be).
  const ignored = keys.filter((key) => !key.startsWith('$') || key === '$and' || key === '$not');
  if (operators.length > 0 && ignored.length > 0) {
    found.errors.push(
      `${path}: cannot combine comparison operators (${operators.join(', ')}) with ${ignored.join(', ')}` +
        ' in one object: only the operators would be evaluated',
    );
  }
  if (root && operators.length > 0) {
    found.errors.push(`${path}: operators need a field, e.g. {"data":{"amount":{"${operators[0]}":…}}}`);
  }
  for (const key of keys) {
    const at = `${path}.${key}`;
    const operand = node[key];
    if (key.startsWith('$')) {
      validateOperator(key, operand, at, root, depth, found);
    } else if (root && !EVENT_FIELDS.includes(key)) {
      found.errors.push(
        `${at}: unknown event field; filters see ${EVENT_FIELDS.join(', ')} (the payload is under data)`,
      );
    } else {
      validateNode(operand, at, depth, found);
    }
  }
}

function validateOperator(
  op: string,
  operand: unknown,
  at: string,
  root: boolean,
  depth: number,
  found: Validation,
): void {
  const problem = operandProblem(op, operand, root);
  if (problem) {
    found.errors.push(`${at}: ${problem}`);
    return;
  }
  if (op === '$regex') found.regexes++;
  if ((op === '$eq' || op === '$neq') && nestsDeeper(operand, MAX_FILTER_DEPTH - depth)) {
    found.errors.push(tooDeep(at));
  } else if (op === '$or' || op === '$and') {
    (operand as unknown[]).forEach((branch, i) => validateBranch(branch, `${at}[${i}]`, root, depth, found));
  } else if (op === '$not') {
    validateBranch(operand, at, root, depth, found);
  }
}

function validateBranch(branch: unknown, at: string, root: boolean, depth: number, found: Validation): void {
  if (isObject(branch)) validateObject(branch, at, root, depth + 1, found);
  else validateNode(branch, at, depth, found);
}

function operandProblem(op: string, operand: unknown, root: boolean): string | null {
  switch (op) {
    case '$or':
    case '$and': {
      const ok = Array.isArray(operand) && operand.length > 0 && (!root || operand.every(isObject));
      if (ok) return null;
      return root ? 'must be a non-empty array of objects' : 'must be a non-empty array of conditions';
    }
    case '$not':
      // On the event (an object) only an object condition can match, so any other one is a mistake.
      return !root || isObject(operand) ? null : expected('an object', operand);
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
        return operand.every(isPrimitive) ? null : 'expected a list of values (no objects or arrays)';
      return isPrimitive(operand) ? null : expected('a list of values or a single value', operand);
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
      return `unknown operator; supported: ${FILTER_OPERATORS.join(' ')}`;
  }
}

function expected(what: string, operand: unknown): string {
  return `expected ${what}, got ${typeName(operand)}`;
}

// ---------------------------------------------------------------- $regex

/**
 * Tenant patterns run on RE2 (re2js): matching time is linear in the value whatever the pattern, so
 * none can backtrack catastrophically. What remains is bounded by limits: the pattern's length and
 * compiled size (a test costs up to the size per character, compiling up to ~20 µs per instruction),
 * the number of patterns in a filter, and the characters tested per value. A test is charged to the
 * evaluation's steps by its worst-case cost. Compiled patterns are cached per Lambda instance.
 */
export const MAX_REGEX_LENGTH = 256;
export const MAX_REGEX_PROGRAM_SIZE = 300;
export const MAX_REGEXES_PER_FILTER = 16;
export const REGEX_SUBJECT_CAP = 4096;
/** Characters × instructions per step: the slowest tests measured take ~0.4 ns for each, so ~100 ns a step. */
const REGEX_WORK_PER_STEP = 256;
const REGEX_CACHE_SIZE = 512;

const compiledPatterns = new Map<string, RE2JS | null>();

/** The compiled pattern, or null for one that is invalid (a stored filter that bypassed validation). */
function cachedPattern(pattern: string): RE2JS | null {
  let compiled = compiledPatterns.get(pattern);
  if (compiled !== undefined) {
    compiledPatterns.delete(pattern); // re-inserted below: the map's order is least recently used first
  } else {
    const result = compilePattern(pattern);
    compiled = typeof result === 'string' ? null : result;
    if (compiledPatterns.size >= REGEX_CACHE_SIZE) {
      compiledPatterns.delete(compiledPatterns.keys().next().value as string);
    }
  }
  compiledPatterns.set(pattern, compiled);
  return compiled;
}

/** The compiled pattern, or why it is refused. */
function compilePattern(pattern: string): RE2JS | string {
  if (pattern.length > MAX_REGEX_LENGTH) return `pattern longer than ${MAX_REGEX_LENGTH} characters`;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    return `not a valid RE2 pattern: ${(error as Error).message.replace(/^error parsing regexp: /, '')}`;
  }
  const size = compiled.programSize();
  if (size > MAX_REGEX_PROGRAM_SIZE) {
    return (
      `pattern too complex: compiles to ${size} instructions, more than ${MAX_REGEX_PROGRAM_SIZE}` +
      ' (large counted repetitions such as x{300} are the usual cause)'
    );
  }
  return compiled;
}

function regexProblem(pattern: string): string | null {
  const result = compilePattern(pattern);
  return typeof result === 'string' ? result : null;
}

// ---------------------------------------------------------------- helpers

const COMPARISON_SET: ReadonlySet<string> = new Set(COMPARISONS);

function isComparison(key: string): key is Comparison {
  return COMPARISON_SET.has(key);
}

function hasComparison(schema: JsonObject): boolean {
  return Object.keys(schema).some(isComparison);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** null, a string, a number or a boolean. */
function isPrimitive(value: unknown): value is null | string | number | boolean {
  return value === null || (typeof value !== 'object' && value !== undefined);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

const SHOWN_CHARACTERS = 80;

/** A value as it appears in explanations, cut so a large payload cannot bloat the response. */
function show(value: unknown): string {
  const text = preview(value);
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS - 3)}...` : text;
}

/** The start of a value's JSON: at least SHOWN_CHARACTERS of it, without serialising a large value whole. */
function preview(value: unknown, levels = 8): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, SHOWN_CHARACTERS));
  if (!isContainer(value)) return JSON.stringify(value) ?? String(value);
  const array = Array.isArray(value);
  let text = '';
  for (const key in value) {
    if (text.length > SHOWN_CHARACTERS || levels === 0) {
      text += text ? ',…' : '…';
      break;
    }
    const shown = preview((value as JsonObject)[key], levels - 1);
    text += `${text ? ',' : ''}${array ? '' : `${JSON.stringify(key)}:`}${shown}`;
  }
  return array ? `[${text}]` : `{${text}}`;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
