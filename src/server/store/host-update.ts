import { HOST_UPDATE_ATTEMPTS, HostUpdateConflictError, type HostChange, type HostUpdate } from './store.js';
import type { HostRecord } from '../model.js';

/**
 * The read-modify-write loop of `Store.updateHost`, the same for every engine: run the change on
 * the record, have the engine write it if the stored version is still the one read, and when
 * another writer came first read the host again and run the change on the newer record.
 *
 * `write` answers the record as written, or undefined when the stored version moved on (or the
 * host is gone); `reread` reads the host from the database.
 */
export async function readModifyWrite(
  infraEnvId: string,
  hostId: string,
  first: HostRecord | undefined,
  change: HostChange,
  reread: () => Promise<HostRecord | undefined>,
  write: (current: HostRecord, update: HostUpdate) => Promise<HostRecord | undefined>,
): Promise<HostRecord | undefined> {
  let current = first;
  for (let attempt = 1; current; attempt++) {
    const update = await change(current);
    if (!update) return current;
    const { host, stepResult } = update;
    if (host.infraEnvId !== infraEnvId || host.id !== hostId || (stepResult && (stepResult.infraEnvId !== infraEnvId || stepResult.hostId !== hostId))) {
      throw new TypeError(`updateHost of host ${hostId} returned a record of another host`);
    }
    const written = await write(current, update);
    if (written) return written;
    if (attempt >= HOST_UPDATE_ATTEMPTS) throw new HostUpdateConflictError(infraEnvId, hostId);
    current = await reread();
  }
  return undefined;
}
