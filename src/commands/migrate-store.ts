import path from 'node:path';
import type { ParsedArgs } from '../cli/options.js';
import { ExitError, UsageError } from '../errors.js';
import { migrateStore, TargetNotEmptyError } from '../server/store/migrate-store.js';
import { openStore } from '../server/store/open-store.js';
import type { Store } from '../server/store/store.js';
import { report } from './runtime.js';

/**
 * `inband serve migrate-store --from <data-dir> --to postgres://…`: a site moving from the
 * embedded store to PostgreSQL. Run it with the service stopped; it may be run again (it copies
 * only what the target lacks).
 */
export async function migrateStoreCommand(argv: ParsedArgs): Promise<number> {
  const from = String(argv.from ?? '');
  const to = String(argv.to ?? '');
  if (!from) throw new UsageError('--from <data-dir> names the embedded store to copy from');
  if (!/^postgres(ql)?:\/\//.test(to)) throw new UsageError('--to must be a postgres:// URL (the database to copy into)');
  const source = await openStore({ dataDir: path.resolve(from) });
  let target: Store | undefined;
  try {
    target = await openStore({ dataDir: path.resolve(from), databaseUrl: to });
    const counts = await migrateStore(source, target, { force: Boolean(argv.force), progress: report });
    report(
      `copied ${counts.infraEnvs} infra-envs, ${counts.hosts} hosts, ${counts.stepResults} step results, ${counts.events} events, ${counts.logs} logs archives`,
    );
    return 0;
  } catch (error) {
    if (error instanceof TargetNotEmptyError) throw new ExitError(error.message, 1);
    throw error;
  } finally {
    await target?.close();
    await source.close();
  }
}
