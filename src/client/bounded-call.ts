/**
 * One attempt of a call to the service, bounded: a deadline over connect, headers and the whole
 * body; a size cap on the body, read incrementally and abandoned past the cap; redirects refused,
 * so the agent token never reaches an origin other than --url. The attempt has its own abort
 * signal, linked to the caller's and unlinked when it ends: polling with one long-lived signal
 * must not pile up listeners on it.
 */

export class CallTimeoutError extends Error {
  constructor(readonly operation: string, readonly ms: number) {
    super(`no complete answer within ${Math.round(ms / 100) / 10} s`);
    this.name = 'CallTimeoutError';
  }
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than the ${limit} bytes the agent accepts`);
    this.name = 'BodyTooLargeError';
  }
}

export interface BufferedAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

/** Runs `work` with a signal that aborts at the deadline or when `parent` does; always cleans up. */
export async function withDeadline<T>(operation: string, ms: number, parent: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timeout = new CallTimeoutError(operation, ms);
  const timer = setTimeout(() => controller.abort(timeout), ms);
  const onParentAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  try {
    return await work(controller.signal);
  } catch (err) {
    // fetch rejects with its own AbortError; the reason says what happened.
    if (controller.signal.aborted && controller.signal.reason === timeout) throw timeout;
    throw err;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}

/**
 * The body as text, at most `limit` bytes. Past that the stream is cancelled and the answer
 * refused, or (error answers, read only for their reason) cut at the limit.
 */
export async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number, declaredLength: string | null, overflow: 'refuse' | 'truncate' = 'refuse'): Promise<string> {
  if (!body) return '';
  if (overflow === 'refuse' && declaredLength !== null && Number(declaredLength) > limit) {
    await body.cancel().catch(() => undefined);
    throw new BodyTooLargeError(limit);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > limit) {
        await reader.cancel().catch(() => undefined);
        if (overflow === 'refuse') throw new BodyTooLargeError(limit);
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        break;
      }
      size += value.byteLength;
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** An abort signal that fires when `poke()` has not been called for `ms`, or when `parent` aborts. */
export class IdleWatch {
  readonly timeout: CallTimeoutError;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onParentAbort = (): void => this.controller.abort(this.parent?.reason);
  timedOut = false;

  constructor(
    operation: string,
    private readonly ms: number,
    private readonly parent: AbortSignal | undefined,
  ) {
    this.timeout = new CallTimeoutError(operation, ms);
    if (parent?.aborted) this.controller.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.poke();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  poke(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(this.timeout);
    }, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
