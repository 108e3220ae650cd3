/**
 * IAM identity policies as the synthesized template gives them to a function's role, and their
 * evaluation for one request: enough of IAM for the statements this stack writes (Allow and Deny,
 * Action and Resource with `*` and `?` wildcards, and the condition operators below), and a loud
 * failure for anything else, so that a policy the local check cannot judge is never judged wrongly.
 */

export interface IamStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  /** Resolved ARNs or patterns. */
  resources: string[];
  /** Operator -> condition key -> values. */
  condition: Record<string, Record<string, string[]>>;
}

/** One authorization IAM makes for an API call (a call may need several: a batch over two tables). */
export interface IamRequest {
  action: string;
  resource: string;
  /** Condition keys of the request; absent keys are absent (kms:ViaService is never set by a direct call). */
  context?: Record<string, string | readonly string[]>;
}

export type IamDecision = 'allowed' | 'explicitly denied' | 'not allowed';

export class UnsupportedPolicyError extends Error {}

const CONDITION_OPERATORS = new Set([
  'StringEquals',
  'StringLike',
  'ForAllValues:StringEquals',
  'ForAnyValue:StringEquals',
  'Null',
  'Bool',
]);

/** A policy document's statements, Resource values already resolved to strings by `resolve`. */
export function parseStatements(
  document: unknown,
  resolve: (value: unknown, where: string) => string,
  where: string,
): IamStatement[] {
  const statements = [(document as { Statement?: unknown } | undefined)?.Statement ?? []].flat();
  return statements.map((raw, index) => {
    const statement = raw as Record<string, unknown>;
    const at = `${where} statement ${index}`;
    for (const unsupported of ['NotAction', 'NotResource', 'Principal', 'NotPrincipal']) {
      if (unsupported in statement) {
        throw new UnsupportedPolicyError(`${at}: ${unsupported} is not evaluated by the local IAM check`);
      }
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      throw new UnsupportedPolicyError(`${at}: Effect ${JSON.stringify(statement.Effect)}`);
    }
    const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
    for (const operator of Object.keys(condition)) {
      if (!CONDITION_OPERATORS.has(operator)) {
        throw new UnsupportedPolicyError(`${at}: condition operator ${operator} is not evaluated locally`);
      }
    }
    return {
      effect: statement.Effect,
      actions: [statement.Action ?? []].flat().map(String),
      resources: [statement.Resource ?? []].flat().map((resource) => resolve(resource, `${at} Resource`)),
      condition: Object.fromEntries(
        Object.entries(condition).map(([operator, keys]) => [
          operator,
          Object.fromEntries(
            Object.entries(keys).map(([key, values]) => [
              key,
              [values].flat().map((value) => resolve(value, `${at} Condition ${operator} ${key}`)),
            ]),
          ),
        ]),
      ),
    };
  });
}

/** IAM's order: an explicit Deny wins, then any Allow, else the implicit deny. */
export function evaluate(statements: readonly IamStatement[], request: IamRequest): IamDecision {
  const applicable = statements.filter((statement) => applies(statement, request));
  if (applicable.some((statement) => statement.effect === 'Deny')) return 'explicitly denied';
  return applicable.some((statement) => statement.effect === 'Allow') ? 'allowed' : 'not allowed';
}

function applies(statement: IamStatement, request: IamRequest): boolean {
  return (
    // Actions are case-insensitive in IAM; resources (ARNs) are not.
    statement.actions.some((pattern) => wildcardMatch(pattern.toLowerCase(), request.action.toLowerCase())) &&
    statement.resources.some((pattern) => wildcardMatch(pattern, request.resource)) &&
    conditionHolds(statement.condition, request.context ?? {})
  );
}

function conditionHolds(
  condition: IamStatement['condition'],
  context: Record<string, string | readonly string[]>,
): boolean {
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const present = context[key];
      const values = present === undefined ? [] : [present].flat();
      switch (operator) {
        case 'Null':
          // "true" means the key must be absent, "false" that it must be present.
          return expected.every((value) => (value === 'true') === (present === undefined));
        case 'ForAllValues:StringEquals':
          return values.every((value) => expected.includes(value));
        case 'ForAnyValue:StringEquals':
          return values.some((value) => expected.includes(value));
        case 'StringLike':
          return values.length > 0 && values.every((value) => expected.some((e) => wildcardMatch(e, value)));
        default:
          // StringEquals and Bool: a single-valued key equal to one of the values.
          return values.length === 1 && expected.includes(values[0]!);
      }
    }),
  );
}

/** IAM's glob: `*` any run of characters (`:` and `/` included), `?` one character. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}
