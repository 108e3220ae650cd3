import { z } from 'zod';
import type { Event } from '../core/model';

/**
 * Templates for partition keys, routing keys and object keys, in the subset of JMESPath that
 * Outpost's documented examples use: field paths (`data.user_id`, `metadata."event-id"`), raw
 * string literals (`'.json'`) and `join('<separator>', [expr, ...])`. Evaluated against
 * `templateInput(event)`.
 */

type Node =
  | { kind: 'path'; segments: string[] }
  | { kind: 'literal'; value: string }
  | { kind: 'join'; separator: string; items: Node[] };

class TemplateSyntaxError extends Error {}

const TOKEN =
  /\s*(?:(join)\s*\(|([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([.,[\])]))/y;

interface Token {
  kind: 'join' | 'ident' | 'literal' | 'punct';
  value: string;
}

function tokenize(template: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < template.length) {
    if (/^\s*$/.test(template.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(template);
    if (match === null) throw new TemplateSyntaxError(`unexpected character at ${start}`);
    if (match[1] !== undefined) tokens.push({ kind: 'join', value: 'join' });
    else if (match[2] !== undefined) tokens.push({ kind: 'ident', value: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'ident', value: match[3].replace(/\\(.)/g, '$1') });
    else if (match[4] !== undefined)
      tokens.push({ kind: 'literal', value: match[4].replace(/\\(.)/g, '$1') });
    else tokens.push({ kind: 'punct', value: match[5]! });
  }
  return tokens;
}

function parse(template: string): Node {
  const tokens = tokenize(template);
  let position = 0;
  const peek = () => tokens[position];
  const expect = (value: string) => {
    const token = tokens[position++];
    if (token?.kind !== 'punct' || token.value !== value)
      throw new TemplateSyntaxError(`expected "${value}"`);
  };
  const expression = (): Node => {
    const token = tokens[position++];
    if (token === undefined) throw new TemplateSyntaxError('unexpected end');
    if (token.kind === 'literal') return { kind: 'literal', value: token.value };
    if (token.kind === 'join') {
      const separator = tokens[position++];
      if (separator?.kind !== 'literal') throw new TemplateSyntaxError("join needs a 'separator'");
      expect(',');
      expect('[');
      const items = [expression()];
      while (peek()?.value === ',') {
        position++;
        items.push(expression());
      }
      expect(']');
      expect(')');
      return { kind: 'join', separator: separator.value, items };
    }
    if (token.kind !== 'ident') throw new TemplateSyntaxError(`unexpected "${token.value}"`);
    const segments = [token.value];
    while (peek()?.kind === 'punct' && peek()?.value === '.') {
      position++;
      const next = tokens[position++];
      if (next?.kind !== 'ident') throw new TemplateSyntaxError('expected a field name after "."');
      segments.push(next.value);
    }
    return { kind: 'path', segments };
  };
  const root = expression();
  if (position !== tokens.length) throw new TemplateSyntaxError('unexpected text after the expression');
  return root;
}

/** Why a template cannot be used (for a config field's 422), or undefined. */
export function templateProblem(template: string): string | undefined {
  try {
    parse(template);
    return undefined;
  } catch (error) {
    return `is not a valid template (${(error as Error).message}); use a path like data."user_id" or join('/', [topic, id])`;
  }
}

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function evaluate(node: Node, input: unknown): string | undefined {
  if (node.kind === 'literal') return node.value;
  if (node.kind === 'join') {
    const parts = node.items.map((item) => evaluate(item, input));
    return parts.some((part) => part === undefined) ? undefined : parts.join(node.separator);
  }
  let value = input;
  for (const segment of node.segments) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return asText(value);
}

/** The template's value for this input; undefined when a path is missing (the caller's default applies). */
export function evaluateTemplate(template: string, input: TemplateInput): string | undefined {
  const value = evaluate(parse(template), input);
  return value === '' ? undefined : value;
}

export interface TemplateInput {
  id: string;
  topic: string;
  time: { rfc3339: string; date: string; year: string; month: string; day: string; hour: string };
  metadata: Record<string, string>;
  data: unknown;
}

/** What templates see: the event, its time split up, and its metadata as it travels (`event-id`...). */
export function templateInput(event: Event): TemplateInput {
  // UTC, so that date-based keys do not depend on the producer's offset.
  const rfc3339 = new Date(event.time).toISOString();
  const date = rfc3339.slice(0, 10);
  return {
    id: event.id,
    topic: event.topic,
    time: {
      rfc3339,
      date,
      year: date.slice(0, 4),
      month: date.slice(5, 7),
      day: date.slice(8, 10),
      hour: rfc3339.slice(11, 13),
    },
    metadata: { ...event.metadata, 'event-id': event.id, topic: event.topic, timestamp: event.time },
    data: event.data,
  };
}

/** A config field holding a template: rejected on save when it does not parse. */
export const templateSchema = z.string().superRefine((value, ctx) => {
  const problem = templateProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
