import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/**
 * Large texts (an event's `data`, an attempt's `response_data`) are stored brotli-compressed, as a
 * binary attribute: DynamoDB bills a write per KB of the item, and JSON shrinks to a fifth at 64 KiB,
 * to about half at 1 KiB. A string attribute is the text itself: values below the threshold, values
 * that do not shrink, and everything written before compression was introduced.
 */

/** Below this, a value stays plain: too small to change an item's write units, readable in the console. */
export const COMPRESS_FROM_BYTES = 256;

/**
 * Quality 4 of 11: measured on typical JSON, it compresses 64 KiB to 20 % in ~0.8 ms, smaller and
 * faster than gzip's default (23 %, ~0.9 ms); quality 11 gains 2 points at ~120 ms.
 */
const BROTLI_QUALITY = 4;

/** The stored form of `text`: brotli bytes when they are smaller, else the text. */
export function packText(text: string): string | Uint8Array {
  const plain = Buffer.from(text, 'utf8');
  if (plain.length < COMPRESS_FROM_BYTES) return text;
  const packed = brotliCompressSync(plain, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: plain.length,
    },
  });
  return packed.length < plain.length ? packed : text;
}

/** The exact text `packText` was given, from either stored form. */
export function unpackText(stored: unknown): string {
  if (typeof stored === 'string') return stored;
  if (stored instanceof Uint8Array) return brotliDecompressSync(stored).toString('utf8');
  throw new TypeError(`a stored text is a string or brotli bytes, not ${typeof stored}`);
}
