import { describe, expect, it } from 'vitest';
import { GroupCommitQueue, type BatchTransactions } from './group-commit.js';

/** A stand-in database: records which writes each "transaction" held and what got committed. */
function fakeDatabase(options: { failCommit?: boolean } = {}) {
  const transactions: string[][] = [];
  const committed: string[] = [];
  let current: string[] | undefined;
  const db: BatchTransactions & { write(name: string): void } = {
    inTransaction(body) {
      current = [];
      transactions.push(current);
      body();
      if (options.failCommit) throw new Error('disk I/O error');
      committed.push(...current);
      current = undefined;
    },
    inSavepoint(write) {
      const mark = current?.length ?? 0;
      try {
        return write();
      } catch (error) {
        current?.splice(mark);
        throw error;
      }
    },
    write(name) {
      current?.push(name);
    },
  };
  return { db, transactions, committed };
}

describe('GroupCommitQueue', () => {
  it('runs the writes submitted in one turn in one transaction, resolving after it committed', async () => {
    const { db, transactions, committed } = fakeDatabase();
    const queue = new GroupCommitQueue(db);
    const results = ['a', 'b', 'c'].map((name) =>
      queue.submit(() => {
        db.write(name);
        return name.toUpperCase();
      }).then((value) => ({ value, committedSoFar: [...committed] })),
    );
    expect(committed).toEqual([]);
    const settled = await Promise.all(results);
    expect(transactions).toEqual([['a', 'b', 'c']]);
    expect(settled.map((s) => s.value)).toEqual(['A', 'B', 'C']);
    for (const s of settled) expect(s.committedSoFar).toEqual(['a', 'b', 'c']);
    expect(queue.stats()).toEqual({ writes: 3, transactions: 1, largestBatch: 3 });
  });

  it('batches writes submitted while a batch commits into the next transaction', async () => {
    const { db, transactions } = fakeDatabase();
    const queue = new GroupCommitQueue(db);
    const late: Promise<unknown>[] = [];
    const first = queue.submit(() => {
      db.write('first');
      // Arrives "during" the commit: it cannot join the transaction already running.
      late.push(queue.submit(() => db.write('late-1')), queue.submit(() => db.write('late-2')));
    });
    await first;
    await Promise.all(late);
    expect(transactions).toEqual([['first'], ['late-1', 'late-2']]);
  });

  it('splits a burst into transactions of at most maxBatch writes, in order', async () => {
    const { db, transactions } = fakeDatabase();
    const queue = new GroupCommitQueue(db, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => queue.submit(() => db.write(`w${i}`))));
    expect(transactions.map((t) => t.length)).toEqual([4, 4, 2]);
    expect(transactions.flat()).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`));
  });

  it('rejects a failing write alone and undoes only its changes', async () => {
    const { db, committed } = fakeDatabase();
    const queue = new GroupCommitQueue(db);
    const outcomes = await Promise.allSettled([
      queue.submit(() => db.write('ok-1')),
      queue.submit(() => {
        db.write('half-done');
        throw new Error('constraint failed');
      }),
      queue.submit(() => db.write('ok-2')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed).toEqual(['ok-1', 'ok-2']);
  });

  it('rejects every write of a batch whose commit fails', async () => {
    const { db, committed } = fakeDatabase({ failCommit: true });
    const queue = new GroupCommitQueue(db);
    const outcomes = await Promise.allSettled([queue.submit(() => db.write('a')), queue.submit(() => db.write('b'))]);
    expect(outcomes.map((o) => o.status === 'rejected' && String(o.reason))).toEqual(['Error: disk I/O error', 'Error: disk I/O error']);
    expect(committed).toEqual([]);
  });

  it('idle() resolves once the queue is empty, including writes queued meanwhile', async () => {
    const { db, committed } = fakeDatabase();
    const queue = new GroupCommitQueue(db, 1);
    await queue.idle();
    void queue.submit(() => db.write('a'));
    const idle = queue.idle();
    void queue.submit(() => db.write('b'));
    await idle;
    expect(committed).toEqual(['a', 'b']);
    expect(queue.pending).toBe(0);
  });
});
