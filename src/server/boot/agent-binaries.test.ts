import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/temp-dir.js';
import { writeFakeElf } from '../../../test/support/fake-elf.js';
import { AgentBinaries } from './agent-binaries.js';
import { elfArchitecture } from './elf.js';
import { readStream } from '../http/file-response.js';

const loaded: AgentBinaries[] = [];
afterEach(async () => {
  await Promise.all(loaded.splice(0).map((b) => b.close()));
});

async function load(files: string[], cacheDir: string): Promise<AgentBinaries> {
  const binaries = await AgentBinaries.load(files, cacheDir);
  loaded.push(binaries);
  return binaries;
}

const digest = (algorithm: string, bytes: Buffer): string => createHash(algorithm).update(bytes).digest('hex');

describe('AgentBinaries', () => {
  it('hashes each binary, files it under its ELF architecture and compresses it once into the cache', async () => {
    const dir = tempDir('agent-binaries');
    const amd = writeFakeElf(dir, 'inband-amd64', 'x86_64');
    const arm = writeFakeElf(dir, 'inband-arm64', 'aarch64');
    const cache = path.join(dir, 'cache');
    const binaries = await load([amd, arm], cache);
    expect(binaries.list().map((b) => b.cpuArchitecture)).toEqual(['x86_64', 'aarch64']);
    const binary = binaries.forArchitecture('arm64');
    expect(binary?.cpuArchitecture).toBe('aarch64');
    const bytes = readFileSync(arm);
    expect(binary?.sha256).toBe(digest('sha256', bytes));
    expect(binary?.sha512).toBe(digest('sha512', bytes));
    const gzip = await binary!.gzip();
    expect(gzip.path).toBe(path.join(cache, `${binary?.sha256}.gz`));
    expect(gunzipSync(readFileSync(gzip.path)).equals(bytes)).toBe(true);
    expect(gzip.size).toBeLessThan(bytes.length / 10);
    expect(gzip.etag).toBe(`"${digest('sha256', readFileSync(gzip.path)).slice(0, 32)}"`);
  });

  it('reuses the cached compression on the next start and removes those of builds no longer served', async () => {
    const dir = tempDir('agent-binaries');
    const cache = path.join(dir, 'cache');
    const first = writeFakeElf(dir, 'first');
    const firstGzip = await (await load([first], cache)).list()[0]!.gzip();
    await loaded.pop()?.close();
    // Same build again: the file is opened, not written anew.
    const again = await (await load([first], cache)).list()[0]!.gzip();
    expect(again.mtimeMs).toBe(firstGzip.mtimeMs);
    await loaded.pop()?.close();
    writeFileSync(path.join(cache, `${'0'.repeat(64)}.gz.999999999.partial`), 'left by a killed start');
    const second = writeFakeElf(dir, 'second');
    const binaries = await load([second], cache);
    await binaries.settled();
    expect(readdirSync(cache)).toEqual([`${binaries.list()[0]?.sha256}.gz`]);
  });

  it('keeps serving what it hashed when the file is replaced, and notices an in-place rewrite', async () => {
    const dir = tempDir('agent-binaries');
    const file = writeFakeElf(dir, 'inband');
    const original = readFileSync(file);
    const binaries = await load([file], path.join(dir, 'cache'));
    const binary = binaries.list()[0]!;
    // An upgrade by rename: the open descriptor still reads the old inode.
    writeFakeElf(dir, 'inband.new');
    renameSync(path.join(dir, 'inband.new'), file);
    expect(await binaries.unchanged(binary.identity)).toBe(true);
    expect(digest('sha256', original)).toBe(binary.sha256);
    await loaded.pop()?.close();

    const inPlace = await load([file], path.join(dir, 'cache'));
    const rep = inPlace.list()[0]!.identity;
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('tampered')]));
    expect(await inPlace.unchanged(rep)).toBe(false);
  });

  it('a download its client hangs up on closes its own descriptor, never the one every download shares', async () => {
    const dir = tempDir('agent-binaries');
    const binaries = await load([writeFakeElf(dir, 'inband')], path.join(dir, 'cache'));
    const rep = binaries.list()[0]!.identity;
    const aborted = await readStream(rep, 0, undefined, 1024);
    await once(aborted, 'readable');
    aborted.destroy();
    await once(aborted, 'close');
    expect(await binaries.unchanged(rep)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const chunk of await readStream(rep)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).length).toBe(rep.size);
  });

  it('refuses what it cannot serve: a missing file, a script, two builds of one architecture', async () => {
    const dir = tempDir('agent-binaries');
    const cache = path.join(dir, 'cache');
    await expect(load([path.join(dir, 'absent')], cache)).rejects.toThrow(/absent is not an agent binary inband can serve: no such file/);
    const script = path.join(dir, 'script.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    await expect(load([script], cache)).rejects.toThrow(/not an ELF executable/);
    await expect(load([writeFakeElf(dir, 'a'), writeFakeElf(dir, 'b')], cache)).rejects.toThrow(/a second x86_64 binary/);
    expect(existsSync(cache)).toBe(true);
  });

  it('reads the architecture of the machine\'s own node executable', () => {
    const header = Buffer.alloc(20);
    const fd = openSync(process.execPath, 'r');
    readSync(fd, header, 0, 20, 0);
    closeSync(fd);
    expect(elfArchitecture(header, process.execPath)).toBe(process.arch === 'x64' ? 'x86_64' : 'aarch64');
  });
});
