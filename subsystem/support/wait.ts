/** Polls `check` until it gives a value (errors count as "not yet"); the failure names what was awaited and, given `context`, the processes' output. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
