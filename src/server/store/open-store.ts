import { ExitError } from '../../errors.js';
import type { Store } from './store.js';

export interface StoreLocation {
  dataDir: string;
  databaseUrl?: string;
}

/** The embedded SQLite file by default; PostgreSQL when a database URL is given. */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(location.databaseUrl)) {
      throw new ExitError(`--database-url must be a postgres:// URL, got ${JSON.stringify(location.databaseUrl)}`, 2);
    }
    throw new ExitError('the PostgreSQL store is not available in this build yet; run without --database-url to use the embedded store', 2);
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(location.dataDir);
}
