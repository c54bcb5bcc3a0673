/**
 * The process the durability test kills with SIGKILL: it saves step replies from many concurrent
 * writers, forever, and prints a step id on stdout only after the promise of its save resolved
 * (stdout to a pipe is synchronous on Linux, so a printed id is in the pipe before the next write).
 *
 *   node <bundle of this file> <data-dir> <writers>
 */
import { SqliteStore } from './sqlite-store.js';
import { aHost, anInfraEnv, anInventory, aStepResult } from '../store-fixtures.js';

async function main(): Promise<void> {
  const [dataDir, writersArg] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: durability-child <data-dir> [writers]');
  // Every acknowledged result must stay findable: no pruning here.
  const store = await SqliteStore.open(dataDir, { keepStepResultsPerType: Number.MAX_SAFE_INTEGER, checkInFlushMs: 20 });
  if (!(await store.getInfraEnv('e1'))) await store.createInfraEnv(anInfraEnv('e1'));
  const inventory = anInventory();
  process.stdout.write('ready\n');

  let next = 0;
  const writer = async (w: number) => {
    const host = aHost('e1', `h${w}`, { inventory });
    for (;;) {
      const stepId = `${process.pid}-${next++}`;
      await store.recordCheckIn('e1', host.id, { at: new Date().toISOString() });
      await store.saveStepReply(aStepResult(host, stepId, { output: inventory }), { ...host, statusInfo: stepId });
      process.stdout.write(`${stepId}\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(writersArg ?? 20) }, (_, w) => writer(w)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
