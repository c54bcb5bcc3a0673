import type { Store } from '../store/store.js';

export type StoreOperation = keyof Store;

/** Every Store method, so the compiler notices one added to the interface and not timed here. */
const STORE_OPERATIONS: Record<StoreOperation, true> = {
  migrate: true,
  close: true,
  checkReady: true,
  createInfraEnv: true,
  getInfraEnv: true,
  listInfraEnvs: true,
  updateInfraEnvTokens: true,
  deleteInfraEnv: true,
  putHost: true,
  updateHost: true,
  getHost: true,
  getHosts: true,
  listHosts: true,
  listAllHosts: true,
  deleteHost: true,
  countHosts: true,
  recordCheckIn: true,
  saveStepReply: true,
  listStepResults: true,
  addEvent: true,
  listEvents: true,
  saveLogs: true,
  getLogs: true,
  beginLogArchive: true,
  openLogArchive: true,
};

export type StoreTiming = (operation: StoreOperation, seconds: number, failed: boolean) => void;

/**
 * The store with each call timed: the one place store latency is measured, whichever store
 * (SQLite, later PostgreSQL) is behind it. The operation label is the method name, a fixed set.
 */
export function timedStore(store: Store, observe: StoreTiming): Store {
  const timed: Partial<Record<StoreOperation, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const operation of Object.keys(STORE_OPERATIONS) as StoreOperation[]) {
    const method = store[operation] as (...args: unknown[]) => Promise<unknown>;
    timed[operation] = async (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      let failed = true;
      try {
        const result = await method.apply(store, args);
        failed = false;
        return result;
      } finally {
        observe(operation, Number(process.hrtime.bigint() - started) / 1e9, failed);
      }
    };
  }
  return timed as Store;
}
