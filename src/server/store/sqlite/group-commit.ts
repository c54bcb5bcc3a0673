/**
 * Group commit for a synchronous database driver (better-sqlite3).
 *
 * A commit with `synchronous=FULL` costs an fsync, and one fsync per step reply would cap the
 * service at the disk's flush rate. Writes are therefore queued and run together, one transaction
 * per batch: a batch starts in the event loop's check phase (setImmediate), after the poll phase
 * has handed every request that arrived in this turn to its handler. While a batch commits the
 * loop is blocked (the driver is synchronous), so requests arriving meanwhile wait in the socket
 * buffers, get submitted on the next turn and form the next batch: the more load, the bigger the
 * batches, the fewer fsyncs per write.
 *
 * Each write runs in its own savepoint inside the batch, so one failing write (a missing parent
 * row, say) is rolled back and rejected alone while the others commit. A caller's promise settles
 * only after the transaction holding its write has committed (or failed).
 */

/** What the queue needs from the database; see `betterSqliteBatches` in sqlite-store.ts. */
export interface BatchTransactions {
  /** Runs `body` in one write transaction and commits it; throws when it cannot commit (then none of it is on disk). */
  inTransaction(body: () => void): void;
  /** Runs `write` inside the open transaction so that a throw undoes its changes only. */
  inSavepoint<T>(write: () => T): T;
}

export interface GroupCommitStats {
  /** Writes submitted and settled (committed or rejected). */
  writes: number;
  /** Transactions attempted: with many concurrent writers, far fewer than `writes`. */
  transactions: number;
  /** The largest number of writes one transaction held. */
  largestBatch: number;
}

interface QueuedWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommitQueue {
  private queue: QueuedWrite[] = [];
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counters: GroupCommitStats = { writes: 0, transactions: 0, largestBatch: 0 };

  /**
   * @param maxBatch caps one transaction, so that a burst does not block the event loop for long
   *   in a single stretch; the rest follows in the next turn.
   */
  constructor(
    private readonly db: BatchTransactions,
    private readonly maxBatch = 128,
  ) {}

  /** Queues `work` (synchronous database calls); resolves with its result once its transaction committed. */
  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued any more (writes submitted after the call are waited for too). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.queue.length;
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.runBatch());
  }

  private runBatch(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    const outcomes = this.commit(batch);
    this.counters.transactions += 1;
    this.counters.writes += batch.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    batch.forEach((write, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });

    this.scheduled = false;
    if (this.queue.length > 0) this.schedule();
    else for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private commit(batch: QueuedWrite[]): Outcome[] {
    const outcomes: Outcome[] = [];
    try {
      this.db.inTransaction(() => {
        for (const write of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.inSavepoint(write.work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
      return outcomes;
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is on disk.
      return batch.map(() => ({ ok: false, error }));
    }
  }
}
