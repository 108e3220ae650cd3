/**
 * A CloudFormation intrinsic-function resolver for the subset the synthesized stack puts where the
 * local runtime looks (function environments, queue redrive policies, routing): Ref, Fn::GetAtt,
 * Fn::Join, Fn::Sub and the pseudo parameters. Anything else fails loudly rather than leaving an
 * unresolved object in a handler's environment.
 */

/** How local physical resources answer Ref and Fn::GetAtt. */
export interface PhysicalResources {
  /** Ref of a resource, or undefined when the logical id is not a resource of the template. */
  ref(logicalId: string): string | undefined;
  /** Fn::GetAtt of a resource; throws for an attribute the runtime does not emulate. */
  attribute(logicalId: string, attributeName: string): string;
  pseudoParameters: Record<string, string>;
  parameters: Record<string, unknown>;
}

export class TemplateResolutionError extends Error {}

export function resolveIntrinsics(value: unknown, physical: PhysicalResources): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, physical));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first !== undefined && isIntrinsicName(first[0])) {
    return resolveFunction(first[0], first[1], physical);
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveIntrinsics(item, physical)]));
}

/** Resolves a value that must end up a string (an environment variable, an ARN). */
export function resolveString(value: unknown, physical: PhysicalResources, where: string): string {
  const resolved = resolveIntrinsics(value, physical);
  if (typeof resolved === 'string') return resolved;
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  throw new TemplateResolutionError(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
}

/** Logical ids a value points at through Ref or Fn::GetAtt (pseudo parameters excluded). */
export function referencedLogicalIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedLogicalIds);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref.startsWith('AWS::') ? [] : [record.Ref];
  const getAtt = record['Fn::GetAtt'];
  if (getAtt !== undefined) return [parseGetAtt(getAtt).logicalId];
  const sub = record['Fn::Sub'];
  if (sub !== undefined) return subReferences(sub);
  return Object.values(record).flatMap(referencedLogicalIds);
}

/** `${Name}` and `${Name.Attribute}` in an Fn::Sub string, minus its own variables and pseudo parameters. */
function subReferences(argument: unknown): string[] {
  const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof template !== 'string') return [];
  const bindings = (variables ?? {}) as Record<string, unknown>;
  const names = [...template.matchAll(/\$\{([^}!][^}]*)\}/g)]
    .map((match) => match[1]!.split('.')[0]!)
    .filter((name) => !(name in bindings) && !name.startsWith('AWS::'));
  return [...names, ...Object.values(bindings).flatMap(referencedLogicalIds)];
}

function isIntrinsicName(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}

function resolveFunction(name: string, argument: unknown, physical: PhysicalResources): unknown {
  switch (name) {
    case 'Ref':
      if (typeof argument !== 'string')
        throw new TemplateResolutionError(`Ref takes a name: ${JSON.stringify(argument)}`);
      return resolveName(argument, physical);
    case 'Fn::GetAtt': {
      const { logicalId, attributeName } = parseGetAtt(argument);
      return physical.attribute(logicalId, attributeName);
    }
    case 'Fn::Join':
      return resolveJoin(argument, physical);
    case 'Fn::Sub':
      return resolveSub(argument, physical);
    default:
      throw new TemplateResolutionError(
        `unsupported intrinsic ${name} (${JSON.stringify(argument)}): local/intrinsics.ts resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub`,
      );
  }
}

function resolveName(name: string, physical: PhysicalResources): string {
  if (name.startsWith('AWS::')) {
    const pseudo = physical.pseudoParameters[name];
    if (pseudo === undefined) throw new TemplateResolutionError(`unsupported pseudo parameter ${name}`);
    return pseudo;
  }
  if (name in physical.parameters) return String(physical.parameters[name]);
  const ref = physical.ref(name);
  if (ref === undefined) throw new TemplateResolutionError(`Ref to ${name}, which is not in the template`);
  return ref;
}

function parseGetAtt(argument: unknown): { logicalId: string; attributeName: string } {
  if (
    Array.isArray(argument) &&
    argument.length === 2 &&
    argument.every((part) => typeof part === 'string')
  ) {
    return { logicalId: argument[0] as string, attributeName: argument[1] as string };
  }
  if (typeof argument === 'string' && argument.includes('.')) {
    const dot = argument.indexOf('.');
    return { logicalId: argument.slice(0, dot), attributeName: argument.slice(dot + 1) };
  }
  throw new TemplateResolutionError(`malformed Fn::GetAtt ${JSON.stringify(argument)}`);
}

function resolveJoin(argument: unknown, physical: PhysicalResources): string {
  if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== 'string') {
    throw new TemplateResolutionError(`malformed Fn::Join ${JSON.stringify(argument)}`);
  }
  const [delimiter, parts] = argument as [string, unknown];
  const resolvedParts = resolveIntrinsics(parts, physical);
  if (!Array.isArray(resolvedParts)) {
    throw new TemplateResolutionError(`Fn::Join needs a list, got ${JSON.stringify(resolvedParts)}`);
  }
  return resolvedParts.map((part) => resolveString(part, physical, 'Fn::Join part')).join(delimiter);
}

function resolveSub(argument: unknown, physical: PhysicalResources): string {
  const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof template !== 'string' || variables === null || typeof variables !== 'object') {
    throw new TemplateResolutionError(`malformed Fn::Sub ${JSON.stringify(argument)}`);
  }
  const bindings = variables as Record<string, unknown>;
  return template.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
    // `${!Literal}` is Fn::Sub's escape for a literal `${Literal}`.
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    if (expression in bindings)
      return resolveString(bindings[expression], physical, `Fn::Sub variable ${expression}`);
    const dot = expression.indexOf('.');
    if (dot > 0 && !expression.startsWith('AWS::')) {
      return physical.attribute(expression.slice(0, dot), expression.slice(dot + 1));
    }
    return resolveName(expression, physical);
  });
}
