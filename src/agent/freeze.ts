/**
 * Upstream's answer to "the service will never accept this host" (401/403/404/409): stay alive and do
 * nothing, so that systemd does not restart the agent into the same refusal every few seconds. Only
 * a stop signal (the abort) ends it.
 */
export function freeze(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // A timer keeps the event loop alive; nothing else would.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const done = (): void => {
      clearInterval(keepAlive);
      resolve();
    };
    if (signal?.aborted) return done();
    signal?.addEventListener('abort', done, { once: true });
  });
}
