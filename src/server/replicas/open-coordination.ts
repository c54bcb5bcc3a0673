import type { Logger } from '../../log/logger.js';
import type { StoreLocation } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { Coordination } from './coordination.js';
import { SoloCoordination } from './solo.js';

/**
 * The coordination that goes with the store: PostgreSQL's replicas talk through the same database
 * (on the connection settings the store settled on, TLS included); the embedded store is one process.
 */
export async function openCoordination(store: Store, location: StoreLocation, log: Logger): Promise<Coordination> {
  const onError = (error: unknown) => log.warn('background work failed', { error: (error as Error).message });
  if (!location.databaseUrl) return new SoloCoordination(onError);
  const { PostgresStore } = await import('../store/postgres/postgres-store.js');
  if (!(store instanceof PostgresStore)) throw new TypeError('a postgres engine that is not the PostgresStore');
  const { PostgresCoordination } = await import('./postgres-coordination.js');
  const { connectionString, ssl } = store.connection;
  const coordination = new PostgresCoordination({ client: { connectionString, ssl }, log });
  await coordination.start();
  return coordination;
}
