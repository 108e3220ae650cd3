import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';

/** DynamoDB caps the operands of one IN at 100. */
const MAX_IN_OPERANDS = 100;

/**
 * Builds key conditions and filters with generated placeholders, so that user-supplied values and
 * attribute names never end up in expression text.
 */
export class ExpressionBuilder {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, NativeAttributeValue> = {};
  private nextValue = 0;

  name(attribute: string): string {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: NativeAttributeValue): string {
    const placeholder = `:v${this.nextValue}`;
    this.nextValue += 1;
    this.values[placeholder] = value;
    return placeholder;
  }

  equals(attribute: string, value: NativeAttributeValue): string {
    return `${this.name(attribute)} = ${this.value(value)}`;
  }

  /** `attribute IN (...)`, split into OR-ed groups past DynamoDB's 100 operands. */
  in(attribute: string, values: readonly string[]): string {
    const name = this.name(attribute);
    const groups: string[] = [];
    for (let start = 0; start < values.length; start += MAX_IN_OPERANDS) {
      const operands = values.slice(start, start + MAX_IN_OPERANDS).map((value) => this.value(value));
      groups.push(`${name} IN (${operands.join(', ')})`);
    }
    return `(${groups.join(' OR ')})`;
  }

  /** True when the list attribute contains any of the values. */
  containsAny(attribute: string, values: readonly string[]): string {
    const name = this.name(attribute);
    return `(${values.map((value) => `contains(${name}, ${this.value(value)})`).join(' OR ')})`;
  }

  /** The names and values to pass with the expressions built so far. */
  attributes(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, NativeAttributeValue>;
  } {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: { ...this.names } } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: { ...this.values } } : {}),
    };
  }
}

/** AND of the given conditions; undefined when there are none. */
export function allOf(conditions: readonly (string | undefined)[]): string | undefined {
  const present = conditions.filter((condition): condition is string => condition !== undefined);
  return present.length > 0 ? present.join(' AND ') : undefined;
}
