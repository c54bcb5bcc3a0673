/**
 * Runs work for one key (a host) one piece at a time. Replies for a host arrive concurrently (every
 * step of a round is posted at once); each reads the host, applies its output and writes it back,
 * so without this two replies would overwrite each other's changes.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
