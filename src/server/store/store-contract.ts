import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import type { EventFilter } from '../model.js';
import { aHost, anEvent, anInfraEnv, anInventory, aStepResult } from './store-fixtures.js';
import { HostUpdateConflictError, ParentNotFoundError, type Store } from './store.js';

/**
 * The behaviour every Store implementation shares, as one suite that each engine's test file runs
 * with a harness of its own (sqlite/sqlite-store.test.ts, postgres/postgres-store.test.ts). The
 * harness only opens stores and looks at what is stored; every assertion lives here.
 */

export interface ContractStoreOptions {
  keepStepResultsPerType?: number;
  checkInFlushMs?: number;
}

export type ContractTable = 'hosts' | 'step_results' | 'host_logs' | 'events';

export interface StoreHarness<S extends Store> {
  name: string;
  /** A new, empty, migrated store; closed after the test. */
  open(options?: ContractStoreOptions): Promise<S>;
  /** The same database again, after `store` was closed. */
  reopen(store: S): Promise<S>;
  flushCheckIns(store: S): Promise<void>;
  /** The check-in columns of the (only) host as stored, not as the store's buffer shows them. */
  checkedInOnDisk(store: S): Promise<{ at: string; ts: number | null; version: string | null }>;
  /** The infra_envs row as stored. */
  infraEnvRow(store: S, id: string): Promise<Record<string, unknown>>;
  countRows(store: S, table: ContractTable): Promise<number>;
  /** Bytes of step result outputs as stored (not as listed). */
  storedOutputBytes(store: S): Promise<number>;
  /** Bytes of archives kept by the store (files or chunks), to see that replaced and discarded ones are gone. */
  archiveBytes(store: S): Promise<number>;
}

/** `total` bytes in pieces of 64 KiB, made as they are read: the test itself never holds them whole. */
function archiveStream(total: number, seed: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return this.push(null);
      const piece = Buffer.alloc(Math.min(65_536, total - sent), (sent / 65_536 + seed) % 251);
      sent += piece.length;
      this.push(piece);
    },
  });
}

async function digest(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export function describeStoreContract<S extends Store>(h: StoreHarness<S>): void {
describe(`${h.name}: infra-envs`, () => {
  it('creates, gets, lists in creation order and deletes', async () => {
    const store = await h.open();
    const later = anInfraEnv('b', { createdAt: '2025-02-01T00:00:00.000Z', sshAuthorizedKey: 'ssh-ed25519 AAA', apiVipUrl: 'http://10.0.0.5:22624/config/worker' });
    const earlier = anInfraEnv('a', { proxy: { http_proxy: 'http://proxy:3128', no_proxy: null } });
    await store.createInfraEnv(later);
    await store.createInfraEnv(earlier);

    expect(await store.getInfraEnv('b')).toEqual(later);
    expect(await store.getInfraEnv('nope')).toBeUndefined();
    expect((await store.listInfraEnvs()).map((e) => e.id)).toEqual(['a', 'b']);

    expect(await store.deleteInfraEnv('a')).toBe(true);
    expect(await store.deleteInfraEnv('a')).toBe(false);
    expect(await store.listInfraEnvs()).toEqual([later]);
  });

  it('replaces the tokens alone, in their own columns, and keeps them out of the record JSON', async () => {
    const store = await h.open();
    const infraEnv = anInfraEnv('a', { sshAuthorizedKey: 'ssh-ed25519 AAA' });
    await store.createInfraEnv(infraEnv);
    const tokens = { agentToken: 'agent-2', agentTokenRotatedAt: '2025-03-01T00:00:00.000Z', downloadToken: 'download-2', downloadTokenExpiresAt: '2025-03-02T00:00:00.000Z' };
    expect(await store.updateInfraEnvTokens('a', tokens)).toBe(true);
    expect(await store.updateInfraEnvTokens('nope', tokens)).toBe(false);
    expect(await store.getInfraEnv('a')).toEqual({ ...infraEnv, ...tokens });
    const row = await h.infraEnvRow(store, 'a');
    expect(row).toMatchObject({ agent_token: 'agent-2', download_token: 'download-2', download_token_expires_at: '2025-03-02T00:00:00.000Z' });
    expect(row.record).not.toMatch(/agent-2|download-2|token-a/);
    // Clearing the optional fields clears the columns.
    await store.updateInfraEnvTokens('a', { agentToken: 'agent-3', downloadToken: 'download-3' });
    const cleared = await store.getInfraEnv('a');
    expect(cleared?.agentTokenRotatedAt).toBeUndefined();
    expect(cleared?.downloadTokenExpiresAt).toBeUndefined();
    expect(cleared?.agentToken).toBe('agent-3');
  });

  it('rejects a second infra-env with the same id', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('a'));
    await expect(store.createInfraEnv(anInfraEnv('a'))).rejects.toThrow(/unique/i);
  });
});

describe(`${h.name}: hosts`, () => {
  it('puts, replaces, gets, lists, counts and deletes hosts', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.createInfraEnv(anInfraEnv('e2'));
    const h1 = aHost('e1', 'h1', {
      timestamp: 1_735_689_600,
      discoveryAgentVersion: 'quay.io/edge-infrastructure/assisted-installer-agent:latest',
      inventory: anInventory(2_000),
      validationsInfo: { hardware: [{ id: 'has-min-cpu-cores', status: 'success', message: 'Sufficient CPU cores' }], network: [] },
      stepErrors: { 'ntp-synchronizer': 'chronyc: not found' },
    });
    const h2 = aHost('e1', 'h2');
    const h3 = aHost('e2', 'h1');
    for (const host of [h2, h1, h3]) await store.putHost(host);

    expect(await store.getHost('e1', 'h1')).toEqual(h1);
    expect(await store.getHost('e2', 'h1')).toEqual(h3);
    expect(await store.getHost('e1', 'h9')).toBeUndefined();
    // Several at once: only those of that infra-env that exist, each once.
    expect(await store.getHosts('e1', ['h2', 'h9', 'h1', 'h2'])).toEqual(expect.arrayContaining([h1, h2]));
    expect(await store.getHosts('e1', ['h2', 'h9', 'h1', 'h2'])).toHaveLength(2);
    expect(await store.getHosts('e2', ['h2'])).toEqual([]);
    expect(await store.getHosts('e1', [])).toEqual([]);
    expect(await store.listHosts('e1')).toEqual([h1, h2]);
    expect(await store.listHosts('e3')).toEqual([]);
    expect(await store.listAllHosts()).toEqual([h1, h2, h3]);
    expect(await store.countHosts()).toBe(3);

    const known = { ...h1, status: 'known' as const, statusInfo: 'Host is ready', timestamp: undefined };
    await store.putHost(known);
    expect(await store.getHost('e1', 'h1')).toEqual({ ...known, timestamp: undefined });
    expect(await store.countHosts()).toBe(3);

    expect(await store.deleteHost('e1', 'h1')).toBe(true);
    expect(await store.deleteHost('e1', 'h1')).toBe(false);
    expect(await store.listAllHosts()).toEqual([h2, h3]);
  });

  it('rejects a host of an infra-env that does not exist with ParentNotFoundError', async () => {
    const store = await h.open();
    const error = await store.putHost(aHost('gone', 'h1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParentNotFoundError);
    expect(String(error)).toMatch(/infra-env gone does not exist/);
    expect(await store.countHosts()).toBe(0);
  });

  it('replacing a host keeps its step results and logs (an upsert, not delete and insert)', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    const host = aHost('e1', 'h1');
    await store.saveStepReply(aStepResult(host, 'inventory-1'), host);
    await store.saveLogs({ infraEnvId: 'e1', hostId: 'h1', path: 'logs/h1.tar.gz', sizeBytes: 10, uploadedAt: host.createdAt }, host);
    await store.putHost({ ...host, status: 'known' });
    expect(await store.listStepResults('e1', 'h1')).toHaveLength(1);
    expect(await store.getLogs('e1', 'h1')).toBeDefined();
  });

  it('keeps writes in submission order within a batch', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    const put = store.putHost(aHost('e1', 'h1'));
    const deleted = store.deleteHost('e1', 'h1');
    const putAgain = store.putHost(aHost('e1', 'h1', { status: 'known' }));
    await Promise.all([put, deleted, putAgain]);
    expect(await deleted).toBe(true);
    expect((await store.getHost('e1', 'h1'))?.status).toBe('known');
  });
});

describe(`${h.name}: check-ins`, () => {
  const at = (second: number) => `2025-01-01T00:01:${String(second).padStart(2, '0')}.000Z`;

  async function storeWithHost(options: ContractStoreOptions = {}) {
    const store = await h.open({ checkInFlushMs: 60_000, ...options });
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1', { timestamp: 100, discoveryAgentVersion: 'v1' }));
    return { store };
  }

  const checkedInOnDisk = (store: S) => h.checkedInOnDisk(store);

  it('shows the newest check-in in getHost, listHosts and listAllHosts before it is written', async () => {
    const { store } = await storeWithHost();
    await store.recordCheckIn('e1', 'h1', { at: at(1), timestamp: 200, agentVersion: 'v2' });
    await store.recordCheckIn('e1', 'h1', { at: at(2) });

    const expected = { checkedInAt: at(2), timestamp: 200, discoveryAgentVersion: 'v2' };
    expect(await store.getHost('e1', 'h1')).toMatchObject(expected);
    expect((await store.listHosts('e1'))[0]).toMatchObject(expected);
    expect((await store.listAllHosts())[0]).toMatchObject(expected);
    expect(await checkedInOnDisk(store)).toEqual({ at: aHost('e1', 'h1').checkedInAt, ts: 100, version: 'v1' });
  });

  it('writes them in one batch on flush, and on close', async () => {
    const { store } = await storeWithHost();
    await store.putHost(aHost('e1', 'h2'));
    await store.recordCheckIn('e1', 'h1', { at: at(1), timestamp: 200 });
    await store.recordCheckIn('e1', 'h2', { at: at(1), agentVersion: 'v3' });
    await h.flushCheckIns(store);
    expect(await checkedInOnDisk(store)).toEqual({ at: at(1), ts: 200, version: 'v1' });

    await store.recordCheckIn('e1', 'h1', { at: at(5), timestamp: 300 });
    await store.close();
    const reopened = await h.reopen(store);
    expect(await reopened.getHost('e1', 'h1')).toMatchObject({ checkedInAt: at(5), timestamp: 300, discoveryAgentVersion: 'v1' });
    expect(await reopened.getHost('e1', 'h2')).toMatchObject({ checkedInAt: at(1), discoveryAgentVersion: 'v3' });
  });

  it('flushes on its own every checkInFlushMs', async () => {
    const { store } = await storeWithHost({ checkInFlushMs: 20 });
    await store.recordCheckIn('e1', 'h1', { at: at(7) });
    await expect.poll(async () => (await checkedInOnDisk(store)).at, { timeout: 2_000 }).toBe(at(7));
  });

  it('lets a host record written with a later check-in win over an older buffered one', async () => {
    const { store } = await storeWithHost();
    await store.recordCheckIn('e1', 'h1', { at: at(1) });
    await store.putHost(aHost('e1', 'h1', { checkedInAt: at(9) }));
    expect((await store.getHost('e1', 'h1'))?.checkedInAt).toBe(at(9));
    await h.flushCheckIns(store);
    expect((await checkedInOnDisk(store)).at).toBe(at(9));
  });

  it('forgets the check-ins of deleted hosts and infra-envs', async () => {
    const { store } = await storeWithHost();
    await store.recordCheckIn('e1', 'h1', { at: at(1) });
    await store.deleteInfraEnv('e1');
    await h.flushCheckIns(store);
    expect(await store.listAllHosts()).toEqual([]);
  });
});

describe(`${h.name}: step replies`, () => {
  it('saves the result and the host it updated together, and lists results in arrival order', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    const host = aHost('e1', 'h1');
    const inventory = anInventory();
    const result = aStepResult(host, 'inventory-0a1b2c3d', { output: inventory });
    const updated = { ...host, inventory, status: 'known' as const };
    await store.saveStepReply(result, updated);
    const failed = aStepResult(host, 'ntp-synchronizer-1', { stepType: 'ntp-synchronizer', exitCode: 255, output: '', error: 'chronyc failed' });
    await store.saveStepReply(failed, updated);

    expect(await store.getHost('e1', 'h1')).toEqual(updated);
    expect(await store.listStepResults('e1', 'h1')).toEqual([result, failed]);
    expect(await store.listStepResults('e1', 'h2')).toEqual([]);
  });

  it('keeps a successful inventory result\'s output once, in the host record, and lists it from there', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    const host = aHost('e1', 'h1');
    const inventory = anInventory(20_000);
    const result = aStepResult(host, 'inventory-1', { output: inventory });
    await store.saveStepReply(result, { ...host, inventory });
    const failed = aStepResult(host, 'inventory-2', { exitCode: 255, output: 'partial output', error: 'lsblk failed' });
    await store.saveStepReply(failed, { ...host, inventory });
    await store.updateHost('e1', 'h1', (current) => ({ host: current, stepResult: aStepResult(current, 'inventory-3', { output: inventory }) }));

    expect((await store.listStepResults('e1', 'h1')).map((r) => [r.stepId, r.output])).toEqual([
      ['inventory-1', inventory],
      ['inventory-2', 'partial output'],
      ['inventory-3', inventory],
    ]);
    // Only the failed one's output is in the step results.
    expect(await h.storedOutputBytes(store)).toBe('partial output'.length);
  });

  it('keeps only the last keepStepResultsPerType results of each step type per host', async () => {
    const store = await h.open({ keepStepResultsPerType: 3 });
    await store.createInfraEnv(anInfraEnv('e1'));
    const h1 = aHost('e1', 'h1');
    const h2 = aHost('e1', 'h2');
    for (let i = 0; i < 6; i++) await store.saveStepReply(aStepResult(h1, `inventory-${i}`), h1);
    for (let i = 0; i < 2; i++) await store.saveStepReply(aStepResult(h1, `connectivity-check-${i}`, { stepType: 'connectivity-check' }), h1);
    for (let i = 0; i < 4; i++) await store.saveStepReply(aStepResult(h2, `inventory-h2-${i}`), h2);

    expect((await store.listStepResults('e1', 'h1')).map((r) => r.stepId)).toEqual([
      'inventory-3',
      'inventory-4',
      'inventory-5',
      'connectivity-check-0',
      'connectivity-check-1',
    ]);
    expect((await store.listStepResults('e1', 'h2')).map((r) => r.stepId)).toEqual(['inventory-h2-1', 'inventory-h2-2', 'inventory-h2-3']);
  });

  it('writes nothing when the infra-env is gone, and refuses a result paired with another host', async () => {
    const store = await h.open();
    const host = aHost('gone', 'h1');
    await expect(store.saveStepReply(aStepResult(host, 's1'), host)).rejects.toBeInstanceOf(ParentNotFoundError);
    await expect(store.saveStepReply(aStepResult(host, 's1'), aHost('gone', 'h2'))).rejects.toBeInstanceOf(TypeError);
    expect(await h.countRows(store, 'step_results')).toBe(0);
  });
});

describe(`${h.name}: events`, () => {
  it('assigns increasing seqs and filters by infra-env, host, severity, with limit, offset and order', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.createInfraEnv(anInfraEnv('e2'));
    const events = [
      anEvent({ infraEnvId: 'e1', message: 'm0' }),
      anEvent({ infraEnvId: 'e1', hostId: 'h1', severity: 'warning', message: 'm1', requestId: 'r-1', props: '{"a":1}' }),
      anEvent({ infraEnvId: 'e2', hostId: 'h1', severity: 'error', message: 'm2' }),
      anEvent({ message: 'm3 (no infra-env)' }),
      anEvent({ infraEnvId: 'e1', hostId: 'h1', message: 'm4' }),
    ];
    await Promise.all(events.map((e) => store.addEvent(e)));

    const all = await store.listEvents({});
    expect(all.map((e) => e.message)).toEqual(['m0', 'm1', 'm2', 'm3 (no infra-env)', 'm4']);
    const seqs = all.map((e) => e.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(all[1]).toEqual({ ...events[1], seq: seqs[1] });
    expect(all[3]).toEqual({ ...events[3], seq: seqs[3] });

    const messages = async (filter: EventFilter) => (await store.listEvents(filter)).map((e) => e.message);
    expect(await messages({ infraEnvId: 'e1' })).toEqual(['m0', 'm1', 'm4']);
    expect(await messages({ hostId: 'h1' })).toEqual(['m1', 'm2', 'm4']);
    expect(await messages({ infraEnvId: 'e1', hostId: 'h1' })).toEqual(['m1', 'm4']);
    expect(await messages({ severities: ['warning', 'error'] })).toEqual(['m1', 'm2']);
    expect(await messages({ severities: [] })).toHaveLength(5);
    expect(await messages({ order: 'descending', limit: 2 })).toEqual(['m4', 'm3 (no infra-env)']);
    expect(await messages({ limit: 2, offset: 1 })).toEqual(['m1', 'm2']);
    expect(await messages({ offset: 4 })).toEqual(['m4']);
    expect(await messages({ limit: 0 })).toEqual([]);
  });

  it('rejects an event naming an infra-env that does not exist', async () => {
    const store = await h.open();
    await expect(store.addEvent(anEvent({ infraEnvId: 'gone' }))).rejects.toBeInstanceOf(ParentNotFoundError);
  });
});

describe(`${h.name}: logs`, () => {
  it('saves the logs record with the host, replaces it on a new upload, and gets it', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    const host = aHost('e1', 'h1');
    expect(await store.getLogs('e1', 'h1')).toBeUndefined();
    const first = { infraEnvId: 'e1', hostId: 'h1', path: 'logs/e1/h1.tar.gz', sizeBytes: 1234, uploadedAt: '2025-01-01T00:05:00.000Z' };
    await store.saveLogs(first, { ...host, logsInfo: 'completed', logsRequested: false });
    expect(await store.getLogs('e1', 'h1')).toEqual(first);
    expect((await store.getHost('e1', 'h1'))?.logsInfo).toBe('completed');

    const second = { ...first, sizeBytes: 99, uploadedAt: '2025-01-01T00:09:00.000Z' };
    await store.saveLogs(second, host);
    expect(await store.getLogs('e1', 'h1')).toEqual(second);
  });
});

describe(`${h.name}: cascades`, () => {
  it('deleting an infra-env deletes its hosts, step results, events and logs, and nothing of another', async () => {
    const store = await h.open();
    for (const env of ['e1', 'e2']) {
      await store.createInfraEnv(anInfraEnv(env));
      const host = aHost(env, 'h1');
      await store.saveStepReply(aStepResult(host, `s-${env}`), host);
      await store.saveLogs({ infraEnvId: env, hostId: 'h1', path: `logs/${env}`, sizeBytes: 1, uploadedAt: host.createdAt }, host);
      await store.addEvent(anEvent({ infraEnvId: env, hostId: 'h1' }));
    }
    await store.addEvent(anEvent({ hostId: 'h1' }));

    expect(await store.deleteInfraEnv('e1')).toBe(true);
    const count = (table: ContractTable) => h.countRows(store, table);
    expect([await count('hosts'), await count('step_results'), await count('host_logs'), await count('events')]).toEqual([1, 1, 1, 2]);
    expect(await store.listStepResults('e2', 'h1')).toHaveLength(1);
    expect(await store.getLogs('e2', 'h1')).toBeDefined();
    expect(await store.listEvents({ infraEnvId: 'e1' })).toEqual([]);
  });

  it("deleting a host deletes its step results and logs but keeps its events (its deregistration is one)", async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    const host = aHost('e1', 'h1');
    await store.saveStepReply(aStepResult(host, 's1'), host);
    await store.saveLogs({ infraEnvId: 'e1', hostId: 'h1', path: 'logs/h1', sizeBytes: 1, uploadedAt: host.createdAt }, host);
    await store.addEvent(anEvent({ infraEnvId: 'e1', hostId: 'h1' }));

    await store.deleteHost('e1', 'h1');
    expect(await store.listStepResults('e1', 'h1')).toEqual([]);
    expect(await store.getLogs('e1', 'h1')).toBeUndefined();
    expect(await store.listEvents({ hostId: 'h1' })).toHaveLength(1);
  });
});

describe(`${h.name}: writes`, () => {
  it('fails only the failing write among concurrent ones', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    const outcomes = await Promise.allSettled([
      store.putHost(aHost('e1', 'h1')),
      store.putHost(aHost('gone', 'h2')),
      store.addEvent(anEvent({ infraEnvId: 'e1' })),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.countHosts()).toBe(1);
    expect(await store.listEvents({})).toHaveLength(1);
  });

  it('close() waits for queued writes, and later writes are refused', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    const queued = Array.from({ length: 50 }, (_, i) => store.putHost(aHost('e1', `h${i}`)));
    await store.close();
    await Promise.all(queued);
    await expect(store.putHost(aHost('e1', 'late'))).rejects.toThrow(/closed/);
    await expect(store.recordCheckIn('e1', 'h1', { at: 'x' })).rejects.toThrow(/closed/);
    await store.close();

    const reopened = await h.reopen(store);
    expect(await reopened.countHosts()).toBe(50);
  });
});

describe(`${h.name}: logs archives`, () => {
  async function upload(store: S, bytes: number, seed: number, at: string) {
    const archive = await store.beginLogArchive('e1', 'h1');
    try {
      await pipeline(archiveStream(bytes, seed), archive.sink);
      const { path, sizeBytes } = await archive.complete();
      await store.saveLogs({ infraEnvId: 'e1', hostId: 'h1', path, sizeBytes, uploadedAt: at }, aHost('e1', 'h1', { logsInfo: 'collecting' }));
    } finally {
      await archive.discard();
    }
  }

  it('streams an archive in and out; a new upload replaces it and the old bytes are gone', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    const size = 3 * 1024 * 1024 + 12_345;
    await upload(store, size, 1, '2025-01-01T00:05:00.000Z');
    const first = (await store.getLogs('e1', 'h1'))!;
    expect(first.sizeBytes).toBe(size);
    expect(await digest(await store.openLogArchive(first))).toEqual(await digest(archiveStream(size, 1)));
    expect(await h.archiveBytes(store)).toBe(size);

    await upload(store, 70_000, 2, '2025-01-01T00:09:00.000Z');
    const second = (await store.getLogs('e1', 'h1'))!;
    expect(second).toMatchObject({ sizeBytes: 70_000, uploadedAt: '2025-01-01T00:09:00.000Z' });
    expect(await digest(await store.openLogArchive(second))).toEqual(await digest(archiveStream(70_000, 2)));
    expect(await h.archiveBytes(store)).toBe(70_000);
    expect((await store.getHost('e1', 'h1'))?.logsInfo).toBe('collecting');
  });

  it('an upload given up (refused, cut short) leaves the current archive as it was and nothing behind', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    await upload(store, 100_000, 3, '2025-01-01T00:05:00.000Z');
    const kept = (await store.getLogs('e1', 'h1'))!;

    const abandoned = await store.beginLogArchive('e1', 'h1');
    await pipeline(archiveStream(2 * 1024 * 1024, 4), abandoned.sink);
    await abandoned.discard();
    expect(await store.getLogs('e1', 'h1')).toEqual(kept);
    expect(await digest(await store.openLogArchive(kept))).toEqual(await digest(archiveStream(100_000, 3)));
    expect(await h.archiveBytes(store)).toBe(100_000);
  });
});

describe(`${h.name}: read-modify-write (updateHost)`, () => {
  it('loses no update when many writers change one host at once', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    // Each writer adds its own key; every writer reads first, so most of them find the record
    // changed at write time and must run their change again on the newer one.
    const writers = Array.from({ length: 6 }, (_, i) =>
      store.updateHost('e1', 'h1', async (current) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { host: { ...current, stepErrors: { ...current.stepErrors, [`w${i}`]: 'x' } } };
      }),
    );
    await Promise.all(writers);
    expect(Object.keys((await store.getHost('e1', 'h1'))?.stepErrors ?? {}).sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);
  });

  it('tries an assumed record first, and runs the change again when another writer moved the host on', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    const cached = (await store.getHost('e1', 'h1'))!;
    await store.putHost({ ...cached, statusInfo: 'changed elsewhere' });
    const seen: string[] = [];
    const written = await store.updateHost(
      'e1',
      'h1',
      (current) => {
        seen.push(current.statusInfo);
        return { host: { ...current, status: 'known' } };
      },
      { assumed: cached },
    );
    expect(seen).toEqual(['Waiting for the inventory', 'changed elsewhere']);
    expect(written).toMatchObject({ status: 'known', statusInfo: 'changed elsewhere' });
    expect(await store.getHost('e1', 'h1')).toMatchObject({ status: 'known', statusInfo: 'changed elsewhere' });
  });

  it('writes the step result with the host, pruned like saveStepReply; nothing when the change says so; undefined for no host', async () => {
    const store = await h.open({ keepStepResultsPerType: 2 });
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    for (let i = 0; i < 3; i++) {
      await store.updateHost('e1', 'h1', (current) => ({ host: { ...current, statusInfo: `reply ${i}` }, stepResult: aStepResult(current, `inventory-${i}`) }));
    }
    expect((await store.listStepResults('e1', 'h1')).map((r) => r.stepId)).toEqual(['inventory-1', 'inventory-2']);
    expect((await store.getHost('e1', 'h1'))?.statusInfo).toBe('reply 2');

    const unchanged = await store.updateHost('e1', 'h1', () => undefined);
    expect(unchanged?.statusInfo).toBe('reply 2');
    expect(await store.updateHost('e1', 'nope', (current) => ({ host: current }))).toBeUndefined();
    await expect(store.updateHost('e1', 'h1', (current) => ({ host: { ...current, id: 'h2' } }))).rejects.toBeInstanceOf(TypeError);
  });

  it('gives up with HostUpdateConflictError on a host that changes under every attempt', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    let attempts = 0;
    const error = await store
      .updateHost('e1', 'h1', async (current) => {
        attempts += 1;
        await store.putHost({ ...current, statusInfo: `interference ${attempts}` });
        return { host: { ...current, status: 'known' } };
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostUpdateConflictError);
    expect(attempts).toBeGreaterThan(1);
    expect((await store.getHost('e1', 'h1'))?.status).toBe('discovering');
  });

  it('returns undefined when the host is deleted between the read and the write', async () => {
    const store = await h.open();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    const result = await store.updateHost('e1', 'h1', async (current) => {
      await store.deleteHost('e1', 'h1');
      return { host: { ...current, status: 'known' } };
    });
    expect(result).toBeUndefined();
    expect(await store.getHost('e1', 'h1')).toBeUndefined();
  });
});
}
