/**
 * `make record-fixtures` keeps working: build/record-fixtures.mjs records a namespaced host with the
 * packaged binary into a scratch directory, and the fresh recording passes the same checks against
 * its tools' outputs as the committed ones (test/inventory/recorded-hosts.test.ts); the namespaces
 * it made are gone afterwards.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { collectWire } from '../test/inventory/support.js';
import { checkAll, recordedToolOutputs } from '../test/inventory/tool-checks.js';
import { BINARY } from './support/build.js';
import { namespacePrefix } from './support/netns.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const scratch: string[] = [];
afterAll(async () => {
  await Promise.all(scratch.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe.skipIf(process.getuid?.() !== 0)('make record-fixtures', () => {
  it('records netns-bridge afresh, and the recording agrees with its tools', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-record-'));
    scratch.push(out);
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'build/record-fixtures.mjs')], {
      env: { ...process.env, HOSTS: 'netns-bridge', INBAND_RECORD_OUT: out, INBAND_BINARY: BINARY },
      timeout: 90_000,
    });
    expect(stdout).toContain(`recorded ${path.join(out, 'netns-bridge')}`);
    const dir = path.join(out, 'netns-bridge');
    expect((await fs.readdir(dir)).sort()).toEqual(['recording.json', 'tools', 'tree']);
    const { wire, live } = await collectWire(path.join(dir, 'tree'));
    expect(live).toBe(false);
    checkAll(wire, recordedToolOutputs(dir));
    expect((wire.interfaces as { name: string }[]).map((i) => i.name)).toEqual(expect.arrayContaining(['br0', 'veth1', 'mv0', 'vx42', 'veth9']));

    const { stdout: namespaces } = await run('ip', ['netns', 'list'], { timeout: 10_000 });
    expect(namespaces).not.toContain(namespacePrefix('rec-bridge'));
  });
});
