/**
 * `--record-fixture`: what a recording holds, and that replaying it gives back the same inventory,
 * for this live machine and for a synthetic host (which exercises the symlink chains of sysfs).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandFileName, isRecordedFixture } from '../../src/host/recorded-commands.js';
import { collectWire, syntheticRoot, SYNTHETIC_HOSTS } from './support.js';

const made: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-fixture-'));
  made.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** Every symlink under `dir`, with its target. */
async function symlinks(dir: string): Promise<{ link: string; target: string }[]> {
  const found: { link: string; target: string }[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isSymbolicLink()) continue;
    const link = path.join(entry.parentPath, entry.name);
    found.push({ link, target: await fs.readlink(link) });
  }
  return found;
}

describe.skipIf(process.platform !== 'linux')('recording this machine', () => {
  it('replays to the identical inventory, from files and command outputs alone', async () => {
    const dir = await tempDir();
    const live = await collectWire('/', { recordTo: dir });
    expect(await isRecordedFixture(dir)).toBe(true);

    const replayed = await collectWire(dir);
    expect(replayed.live).toBe(false);
    expect(replayed.json).toBe(live.json);
  });

  it('holds the tool outputs and the sysfs links, all relative, none pointing out of the tree', async () => {
    const dir = await tempDir();
    await collectWire('/', { recordTo: dir });
    const commands = await fs.readdir(path.join(dir, 'commands'));
    expect(commands).toContain(`${commandFileName(['lscpu', '-J'])}.json`);
    expect(commands).toContain(`${commandFileName(['ip', '-j', '-d', 'addr', 'show'])}.json`);
    const lscpu = JSON.parse(await fs.readFile(path.join(dir, 'commands', `${commandFileName(['lscpu', '-J'])}.json`), 'utf8'));
    expect(lscpu.argv).toEqual(['lscpu', '-J']);
    expect(await fs.readFile(path.join(dir, 'proc/meminfo'), 'utf8')).toMatch(/^MemTotal:/m);

    for (const { link, target } of await symlinks(dir)) {
      expect(path.isAbsolute(target), `${link} -> ${target}`).toBe(false);
      expect(path.resolve(path.dirname(link), target).startsWith(dir), `${link} -> ${target}`).toBe(true);
    }
  });
});

describe.each(SYNTHETIC_HOSTS)('re-recording synthetic host %s', (name) => {
  it('gives a tree that replays to the same inventory', async () => {
    const dir = await tempDir();
    const first = await collectWire(syntheticRoot(name), { recordTo: dir });
    const again = await collectWire(dir);
    expect(again.json).toBe(first.json);
  });
});
