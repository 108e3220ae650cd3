import { createScanner, type JSONScanner } from 'jsonc-parser';
import type { PublishInput } from '../core/publish';
import { validateBody } from './request';
import { PublishRequestSchema } from './schemas';

/**
 * Publish bodies (POST /publish, each event of POST /publish/batch, an ingest queue message) read
 * twice: JSON.parse gives the object that is validated and filtered on, and a token scan of the same
 * text finds where `data` lies in it, so that the event's data is stored and delivered as the
 * producer wrote it (DESIGN.md §4: byte for byte). JSON.parse would round 12345678901234567890, turn
 * `1.0` into `1` and drop whitespace and `\u` escapes.
 */

/** jsonc-parser's SyntaxKind values (a const enum, which isolated modules cannot read from its typings). */
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const COMMA = 5;
const EOF = 17;

/**
 * Tokens of a text JSON.parse accepted, so well-formed JSON; the walks below still stop at the end
 * of the text, so that text which is not cannot keep them going.
 */
class Tokens {
  private readonly scanner: JSONScanner;
  kind: number;

  constructor(readonly text: string) {
    this.scanner = createScanner(text, true);
    this.kind = this.scanner.scan();
  }

  advance(): void {
    this.kind = this.scanner.scan();
  }

  get start(): number {
    return this.scanner.getTokenOffset();
  }

  get end(): number {
    return this.scanner.getTokenOffset() + this.scanner.getTokenLength();
  }

  get value(): string {
    return this.scanner.getTokenValue();
  }
}

/** Consumes the value at the current token; returns its exact text. */
function valueText(tokens: Tokens): string {
  const start = tokens.start;
  let depth = 0;
  let end: number;
  do {
    if (tokens.kind === OPEN_BRACE || tokens.kind === OPEN_BRACKET) depth += 1;
    else if (tokens.kind === CLOSE_BRACE || tokens.kind === CLOSE_BRACKET) depth -= 1;
    end = tokens.end;
    tokens.advance();
  } while (depth > 0 && tokens.kind !== EOF);
  return tokens.text.slice(start, end);
}

/** Walks the object or array at the current token: `each` consumes one member's (or element's) value. */
function eachEntry(tokens: Tokens, each: (name: string) => void): void {
  const close = tokens.kind === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
  const isObject = close === CLOSE_BRACE;
  tokens.advance();
  while (tokens.kind !== close && tokens.kind !== EOF) {
    if (tokens.kind === COMMA) {
      tokens.advance();
      continue;
    }
    let name = '';
    if (isObject) {
      name = tokens.value;
      tokens.advance(); // the name
      tokens.advance(); // the colon
    }
    each(name);
  }
  tokens.advance();
}

/** The text of the object's `data` member; the last one when repeated, as JSON.parse keeps the last. */
function dataMemberText(tokens: Tokens): string | undefined {
  if (tokens.kind !== OPEN_BRACE) {
    valueText(tokens);
    return undefined;
  }
  let text: string | undefined;
  eachEntry(tokens, (name) => {
    const value = valueText(tokens);
    if (name === 'data') text = value;
  });
  return text;
}

/** The exact text of `data` in a publish body that JSON.parse accepted. */
export function publishDataText(body: string): string | undefined {
  return dataMemberText(new Tokens(body));
}

/** The exact text of each `events[i].data` in a batch body that JSON.parse accepted. */
export function batchDataTexts(body: string): Array<string | undefined> {
  const tokens = new Tokens(body);
  let texts: Array<string | undefined> = [];
  if (tokens.kind !== OPEN_BRACE) return texts;
  eachEntry(tokens, (name) => {
    if (name !== 'events' || tokens.kind !== OPEN_BRACKET) {
      valueText(tokens);
      return;
    }
    const found: Array<string | undefined> = [];
    eachEntry(tokens, () => found.push(dataMemberText(tokens)));
    texts = found;
  });
  return texts;
}

/** A publish request validated, carrying its data's text as the producer sent it. */
export function decodePublishRequest(body: unknown, dataText: string | undefined): PublishInput {
  const input = validateBody(PublishRequestSchema, body);
  return dataText === undefined ? input : { ...input, data_json: dataText };
}
