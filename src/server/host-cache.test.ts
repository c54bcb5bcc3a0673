import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { HostCache } from './host-cache.js';
import { aHost, anInfraEnv } from './store/store-fixtures.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';

const open: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('HostCache: re-reads of what other replicas changed', () => {
  it('applies a re-read only to hosts whose entry did not change since it started, and names the others', async () => {
    const store = await SqliteStore.open(tempDir('host-cache'));
    open.push(store);
    await store.createInfraEnv(anInfraEnv('e1'));
    for (const id of ['h1', 'h2', 'h3']) await store.putHost(aHost('e1', id));
    const cache = new HostCache(store);
    await cache.warm(['e1']);

    const positions = cache.positions('e1', ['h1', 'h2', 'h3'])!;
    // Another replica renamed h1 and h2, and deleted h3.
    await store.putHost(aHost('e1', 'h1', { requestedHostname: 'remote-1' }));
    await store.putHost(aHost('e1', 'h2', { requestedHostname: 'remote-2' }));
    await store.deleteHost('e1', 'h3');
    const found = await store.getHosts('e1', ['h1', 'h2', 'h3']);
    // Meanwhile a write of this replica finished for h2: its record is what the cache must keep.
    await cache.set(aHost('e1', 'h2', { requestedHostname: 'local-2' }));

    expect(cache.applyReread('e1', positions, found)).toEqual(['h2']);
    expect((await cache.get('e1', 'h1'))?.requestedHostname).toBe('remote-1');
    expect((await cache.get('e1', 'h2'))?.requestedHostname).toBe('local-2');
    expect(await cache.get('e1', 'h3')).toBeUndefined();
    // The hostname index follows: h1 is found under its new name.
    expect((await cache.sameHostname(aHost('e1', 'hx', { requestedHostname: 'remote-1' }))).map((h) => h.id)).toEqual(['h1']);
  });

  it('a host deleted here after the re-read started is not brought back by it', async () => {
    const store = await SqliteStore.open(tempDir('host-cache'));
    open.push(store);
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    const cache = new HostCache(store);
    await cache.warm(['e1']);
    const positions = cache.positions('e1', ['h1'])!;
    const found = await store.getHosts('e1', ['h1']);
    cache.delete('e1', 'h1');
    expect(cache.applyReread('e1', positions, found)).toEqual(['h1']);
    expect(await cache.get('e1', 'h1')).toBeUndefined();
    // Nothing to re-read in an infra-env this replica has not loaded.
    expect(cache.positions('e9', ['h1'])).toBeUndefined();
  });
});
