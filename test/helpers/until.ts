/**
 * Polls `fn` until it returns a value (undefined or a throw means "not yet"), or fails naming `what` after
 * `timeoutMs`. For conditions a test waits on, never for timing assertions.
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  { timeoutMs = 60_000, everyMs = 250 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
