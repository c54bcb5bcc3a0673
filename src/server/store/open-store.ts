import { ExitError } from '../../errors.js';
import type { Store } from './store.js';

export interface StoreLocation {
  dataDir: string;
  /** postgres://… selects the PostgreSQL store; without it, the embedded SQLite file in dataDir. */
  databaseUrl?: string;
  /** The most connections to PostgreSQL (--database-pool). */
  databasePool?: number;
}

/** The embedded SQLite file by default; PostgreSQL when a database URL is given. Each engine loads only when chosen. */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.databaseUrl) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    const { DatabaseUrlError } = await import('./postgres/pg-connection.js');
    try {
      return await PostgresStore.open({ url: location.databaseUrl, poolSize: location.databasePool });
    } catch (error) {
      if (error instanceof DatabaseUrlError) throw new ExitError(error.message, 2);
      throw new ExitError(`cannot open the PostgreSQL store: ${(error as Error).message}`, 1);
    }
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(location.dataDir);
}
