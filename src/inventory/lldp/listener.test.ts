/**
 * The listener with real processes and pipes: a stand-in for tcpdump (a shell script given the
 * same arguments) writes a pcap stream per NIC. One NIC carries good, truncated, odd-length,
 * snap-length-cut and goodbye (TTL 0) frames; another writes garbage and dies; a third is down.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/temp-dir.js';
import { HostFs } from '../../host/host-fs.js';
import { memoryLogger } from '../../log/logger.js';
import { LldpListener, listenableNics } from './listener.js';

const STAND_IN = `#!/bin/sh
dir=$(dirname "$0")
while [ $# -gt 0 ]; do [ "$1" = -i ] && nic=$2; shift; done
echo "$nic" >> "$dir/starts"
cat "$dir/$nic.pcap"
if [ -f "$dir/$nic.dies" ]; then echo "stand-in: $nic went away" >&2; exit 1; fi
echo $$ > "$dir/$nic.pid"
exec sleep 60
`;

const tlv = (type: number, value: number[]): number[] => [(type << 1) | (value.length >> 8), value.length & 0xff, ...value];
const ascii = (text: string): number[] => [...Buffer.from(text)];

function frame(chassisLastByte: number, port: string, ttl: number, name: string): number[] {
  return [
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, 0x52, 0x54, 0x00, 0x00, 0x00, chassisLastByte, 0x88, 0xcc,
    ...tlv(1, [4, 0x52, 0x54, 0x00, 0x00, 0x00, chassisLastByte]),
    ...tlv(2, [5, ...ascii(port)]),
    ...tlv(3, [ttl >> 8, ttl & 0xff]),
    ...tlv(5, ascii(name)),
    0, 0,
  ];
}

function pcap(records: { data: number[]; originalLength?: number }[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(1600, 16);
  header.writeUInt32LE(1, 20);
  const seconds = Math.floor(Date.now() / 1000);
  const parts = [header];
  for (const record of records) {
    const head = Buffer.alloc(16);
    head.writeUInt32LE(seconds, 0);
    head.writeUInt32LE(record.data.length, 8);
    head.writeUInt32LE(record.originalLength ?? record.data.length, 12);
    parts.push(head, Buffer.from(record.data));
  }
  return Buffer.concat(parts);
}

let listener: LldpListener | undefined;
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
});

function hostWithNics(nics: Record<string, string>): string {
  const root = tempDir('lldp-listener');
  for (const [name, flags] of Object.entries(nics)) {
    mkdirSync(path.join(root, 'sys/class/net', name), { recursive: true });
    writeFileSync(path.join(root, 'sys/class/net', name, 'flags'), `${flags}\n`);
  }
  return root;
}

describe('LldpListener', () => {
  it('keeps the good neighbours of one NIC while another NIC\'s capture fails and restarts, logging what it skipped', async () => {
    const root = hostWithNics({ good0: '0x1003', bad0: '0x1003', down0: '0x1002' });
    const bin = tempDir('lldp-stand-in');
    const program = path.join(bin, 'tcpdump');
    writeFileSync(program, STAND_IN, { mode: 0o755 });
    const sw = frame(0x01, 'swp1', 120, 'leaf01');
    const leaving = frame(0x02, 'swp2', 120, 'leaf02');
    writeFileSync(
      path.join(bin, 'good0.pcap'),
      pcap([
        { data: sw },
        { data: sw.slice(0, 30) },
        { data: [...sw.slice(0, -2), 0x0a] },
        { data: sw.slice(0, 40), originalLength: 1800 },
        { data: leaving },
        { data: frame(0x02, 'swp2', 0, 'leaf02') },
      ]),
    );
    writeFileSync(path.join(bin, 'bad0.pcap'), 'this is not a pcap stream, and it is long enough');
    writeFileSync(path.join(bin, 'bad0.dies'), '');
    const log = memoryLogger();
    listener = new LldpListener({ hostFs: new HostFs(root), log, interfaces: ['good0', 'bad0', 'down0'], captureProgram: program });
    listener.start();

    // bad0 never hears anyone, so this waits the whole time.
    const view = await listener.freshView(1_500);
    expect([...view.keys()]).toEqual(['good0']);
    expect(view.get('good0')?.map((n) => [n.chassis_id, n.port_id, n.system_name, n.ttl_seconds])).toEqual([['52:54:00:00:00:01', 'swp1', 'leaf01', 120]]);
    expect(listener.listening().sort()).toEqual(['bad0', 'good0']);

    // The failing capture is started again (after 1 s), the good one runs on undisturbed.
    await waitUntil(() => readFileSync(path.join(bin, 'starts'), 'utf8').split('\n').filter((n) => n === 'bad0').length >= 2, 5_000);
    const starts = readFileSync(path.join(bin, 'starts'), 'utf8').split('\n').filter(Boolean);
    expect(starts.filter((n) => n === 'good0')).toHaveLength(1);
    const messages = log.lines.map((line) => line.message);
    expect(messages).toContainEqual(expect.stringMatching(/^lldp: good0: skipped a frame: truncated/));
    expect(messages).toContainEqual(expect.stringMatching(/^lldp: capture on bad0 stopped: not a pcap stream/));
    expect(messages).toContainEqual(expect.stringMatching(/^lldp: capture on bad0 ended \(.*\); starting it again in 1 s/));
    expect(listener.snapshot().get('good0')).toHaveLength(1);

    // Stopping kills the captures.
    const pid = Number(readFileSync(path.join(bin, 'good0.pid'), 'utf8'));
    await listener.stop();
    listener = undefined;
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  }, 20_000);

  it('gives up waiting for a fresh view after --lldp-wait, with what it has', async () => {
    const root = hostWithNics({ quiet0: '0x1003' });
    const bin = tempDir('lldp-stand-in');
    const program = path.join(bin, 'tcpdump');
    writeFileSync(program, STAND_IN, { mode: 0o755 });
    writeFileSync(path.join(bin, 'quiet0.pcap'), pcap([]));
    listener = new LldpListener({ hostFs: new HostFs(root), log: memoryLogger(), interfaces: ['quiet0'], captureProgram: program });
    listener.start();
    const started = Date.now();
    const view = await listener.freshView(700);
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(view.size).toBe(0);
  });
});

describe('a host without tcpdump', () => {
  it('says so once per NIC and does not keep starting it', async () => {
    const root = hostWithNics({ eno1: '0x1003' });
    const log = memoryLogger();
    listener = new LldpListener({ hostFs: new HostFs(root), log, interfaces: ['eno1'], captureProgram: '/nonexistent/tcpdump' });
    listener.start();
    await listener.freshView(1_500);
    const messages = log.lines.map((line) => line.message).filter((m) => /not installed/.test(m));
    expect(messages).toEqual(['lldp: /nonexistent/tcpdump is not installed; not listening on eno1 (lldpd\'s neighbours are still reported)']);
  });
});

describe('listenableNics', () => {
  it('takes physical NICs that are up: not virtual, not down', async () => {
    const root = hostWithNics({ eno1: '0x1003', eno2: '0x1002', veth9: '0x1003' });
    // Physical: the class entry resolves under a device; virtual ones under /sys/devices/virtual.
    const hostFs = new HostFs(root);
    mkdirSync(path.join(root, 'sys/devices/pci0000:00/0000:00:19.0/net'), { recursive: true });
    mkdirSync(path.join(root, 'sys/devices/virtual/net'), { recursive: true });
    const { renameSync, symlinkSync } = await import('node:fs');
    renameSync(path.join(root, 'sys/class/net/eno1'), path.join(root, 'sys/devices/pci0000:00/0000:00:19.0/net/eno1'));
    symlinkSync('../../devices/pci0000:00/0000:00:19.0/net/eno1', path.join(root, 'sys/class/net/eno1'));
    renameSync(path.join(root, 'sys/class/net/veth9'), path.join(root, 'sys/devices/virtual/net/veth9'));
    symlinkSync('../../devices/virtual/net/veth9', path.join(root, 'sys/class/net/veth9'));
    expect(existsSync(path.join(root, 'sys/class/net/eno1/flags'))).toBe(true);
    expect(await listenableNics(hostFs)).toEqual(['eno1']);
    // Named ones are taken when up, virtual or not.
    expect(await listenableNics(hostFs, ['veth9', 'eno2', 'missing0'])).toEqual(['veth9']);
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
