import { createHash } from 'node:crypto';

/** A uuid-shaped id derived from `seed`: varied like real ids, yet the same on every run. */
function seededId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The JSON text of an order-like webhook payload of at least `bytes` bytes: ids, timestamps, names,
 * prices, as producers send them (so compression ratios are realistic, unlike a repeated letter), and
 * the number forms a parse-and-serialise round trip would change (`12345678901234567890`, `1.0`,
 * `\u00e9`). Deterministic, so stored sizes and write units are the same on every run.
 */
export function typicalJson(bytes: number): string {
  const names = ['Blue widget', 'Red gadget', 'Green thing', 'Large sprocket', 'Small gear'];
  const head =
    `{"id":"${seededId('order')}","type":"order.created","created_at":"2024-05-01T12:00:00.000Z",` +
    `"customer":{"id":"${seededId('customer')}","email":"jane.doe@example.com","name":"Jane D\\u00f6e",` +
    `"loyalty_points":12345678901234567890},"total":1.0,"note":"caf\\u00e9","items":[`;
  const items: string[] = [];
  let text = `${head}]}`;
  for (let index = 0; Buffer.byteLength(text) < bytes; index += 1) {
    items.push(
      `{"id":"${seededId(`item-${index}`)}","sku":"SKU-${(index * 7919) % 100_000}",` +
        `"name":"${names[index % names.length]} ${index}","quantity":${(index % 5) + 1},` +
        `"unit_price":{"amount":${1999 + index * 13},"currency":"EUR"}}`,
    );
    text = `${head}${items.join(',')}]}`;
  }
  return text;
}
