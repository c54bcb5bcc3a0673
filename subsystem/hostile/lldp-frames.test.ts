/**
 * A hostile neighbour on the cable, on real frames: lldpd in a "switch" namespace sends TLVs that
 * lie about their lengths, more VLAN names than the cap and an over-long description (lldpd's own
 * custom-TLV configuration builds them). The packaged agent's listener in the host namespace keeps
 * the neighbour, leaves out exactly the wrong TLVs, caps the lists and strings, and logs what it
 * left out. (Truncated, odd-length and zero-TTL frames, which lldpd cannot be made to send, are
 * covered on crafted bytes by src/inventory/lldp/tlv.test.ts and the listener and fuzz tests.)
 */
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_STRING_LENGTH, MAX_VLANS } from '../../src/inventory/lldp/limits.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { startAgent, stopAllAgents } from '../support/agent.js';
import { BINARY } from '../support/build.js';
import { Topology } from '../support/netns.js';

const run = promisify(execFile);
const hex = (n: number): string => n.toString(16).padStart(2, '0');
const asciiHex = (text: string): string => [...Buffer.from(text)].map(hex).join(',');

const VLAN_NAMES = Array.from({ length: 70 }, (_, i) => 200 + i);
const SWITCH_CONFIG = [
  'configure system hostname hostile-switch',
  `configure system description "${'x'.repeat(300)}"`,
  'configure system interface pattern swp1',
  'configure lldp tx-interval 1',
  // A port VLAN ID of 3 bytes, a VLAN name claiming 32 bytes that has 1, a maximum frame size of 1 byte.
  'configure lldp custom-tlv add oui 00,80,c2 subtype 1 oui-info 00,64,00',
  'configure lldp custom-tlv add oui 00,80,c2 subtype 3 oui-info 00,65,20,41',
  'configure lldp custom-tlv add oui 00,12,0f subtype 4 oui-info 05',
  ...VLAN_NAMES.map((vid) => `configure lldp custom-tlv add oui 00,80,c2 subtype 3 oui-info ${hex(vid >> 8)},${hex(vid & 0xff)},04,${asciiHex(`v${vid}`)}`),
  '',
].join('\n');

let topology: Topology;
let dir = '';

async function pidsIn(netns: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', netns], { timeout: 10_000 }).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

beforeAll(async () => {
  topology = await Topology.createPair({ prefix: 'lldph', hosts: [{ name: 'sw', ifname: 'swp1' }, { name: 'host', ifname: 'eth0' }] });
  dir = tempDir('lldp-hostile');
  chmodSync(dir, 0o711);
  writeFileSync(path.join(dir, 'switch.conf'), SWITCH_CONFIG);
  const lldpd = startAgent(
    ['netns', 'exec', topology.host('sw').netns, 'lldpd', '-d', '-u', path.join(dir, 'switch.socket'), '-p', path.join(dir, 'switch.pid'), '-O', path.join(dir, 'switch.conf')],
    {},
    'ip',
  );
  await lldpd.waitForOutput('stderr', /lldpd should resume operations/, 20_000);
}, 60_000);

afterAll(async () => {
  for (const name of ['sw', 'host']) for (const pid of await pidsIn(topology.host(name).netns)) process.kill(pid, 'SIGKILL');
  await stopAllAgents();
  await topology?.destroy();
});

it('keeps the neighbour, leaves out the lying TLVs, caps VLANs and strings, and says what it left out', async () => {
  const logDir = tempDir('lldp-hostile-log');
  const { stdout } = await run(
    'ip',
    [
      'netns', 'exec', topology.host('host').netns, BINARY, 'inventory', '--with-journal-logging=false', '--with-text-logging=true',
      '--lldp-wait', '20s', '--lldp-interfaces', 'eth0', '--lldpd-socket', path.join(dir, 'nobody.socket'),
    ],
    { timeout: 60_000, env: { ...process.env, INBAND_LOG_DIR: logDir }, maxBuffer: 16 * 1024 * 1024 },
  );
  const doc = JSON.parse(stdout) as { interfaces: { name: string; lldp?: Record<string, unknown>[] }[] };
  const neighbours = doc.interfaces.find((nic) => nic.name === 'eth0')?.lldp ?? [];
  expect(neighbours).toHaveLength(1);
  const [neighbour] = neighbours as [Record<string, unknown>];
  expect(neighbour.system_name).toBe('hostile-switch');
  expect(neighbour.source).toBe('listener');
  expect(neighbour).not.toHaveProperty('native_vlan');
  expect(neighbour).not.toHaveProperty('max_frame_size');
  const vlans = neighbour.vlans as { id: number; name: string }[];
  expect(vlans).toHaveLength(MAX_VLANS);
  expect(vlans[0]).toEqual({ id: 200, name: 'v200' });
  expect(vlans.some((vlan) => vlan.id === 101)).toBe(false);
  const description = String(neighbour.system_description);
  expect(description.length).toBeLessThanOrEqual(MAX_STRING_LENGTH);
  expect(description).toMatch(/^x+$/);

  const log = readFileSync(path.join(logDir, 'inventory.log'), 'utf8');
  expect(log).toMatch(/lldp: eth0: left out a TLV: 802\.1 port VLAN ID TLV of 7 bytes/);
}, 90_000);
