/**
 * Polls `probe` until it returns a value other than undefined. The deadline only bounds a hung test;
 * no assertion depends on how long anything took.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  deadlineMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
