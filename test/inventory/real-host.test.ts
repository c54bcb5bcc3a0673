/**
 * The inventory of the machine the tests run on, checked against what other tools on the same
 * machine say: nproc, /proc/meminfo, lsblk and ip. Values are read live, never written down.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { swaggerErrors } from '../support/swagger.js';
import { collectWire, type WireInventory } from './support.js';
import { withoutNulls } from '../support/go-null.js';

const run = promisify(execFile);
const onLinux = process.platform === 'linux';

async function json<T>(file: string, args: string[]): Promise<T> {
  const { stdout } = await run(file, args, { timeout: 10_000 });
  return JSON.parse(stdout) as T;
}

describe.skipIf(!onLinux)('this machine', () => {
  let wire: WireInventory;
  beforeAll(async () => {
    ({ wire } = await collectWire('/'));
  });

  it('counts as many CPUs as nproc', async () => {
    const { stdout } = await run('nproc', ['--all'], { timeout: 5_000 });
    expect(wire.cpu.count).toBe(Number(stdout.trim()));
    expect(wire.cpu.architecture).toBe((await run('uname', ['-m'])).stdout.trim());
  });

  it('reports MemTotal as usable memory and a physical size at least that large', () => {
    const memTotalKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    expect(wire.memory.usable_bytes).toBe(memTotalKiB * 1024);
    expect(['dmidecode', 'ghw', 'meminfo']).toContain(wire.memory.physical_bytes_method);
    expect(wire.memory.physical_bytes).toBeGreaterThanOrEqual(wire.memory.usable_bytes);
  });

  it('lists every whole disk lsblk shows, except the kinds upstream filters out', async () => {
    const lsblk = await json<{ blockdevices: { name: string; type: string }[] }>('lsblk', ['-J', '-d', '-o', 'NAME,TYPE']);
    const hidden = (name: string): boolean => {
      try {
        return readFileSync(`/sys/block/${name}/hidden`, 'utf8').trim() === '1';
      } catch {
        return false;
      }
    };
    const dmUuid = (name: string): string => {
      try {
        return readFileSync(`/sys/block/${name}/dm/uuid`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    const shouldAppear = lsblk.blockdevices
      .filter((d) => !/^(loop|zram)/.test(d.name) && !hidden(d.name))
      .filter((d) => !d.name.startsWith('dm-') || /^(mpath-|LVM-)/.test(dmUuid(d.name)))
      .map((d) => d.name)
      .sort();
    const reported = (wire.disks as WireInventory[]).map((d) => d.name).sort();
    expect(reported).toEqual(shouldAppear);
    for (const disk of wire.disks as WireInventory[]) {
      const sectors = Number(readFileSync(`/sys/block/${disk.name}/size`, 'utf8'));
      expect(disk.size_bytes ?? 0, `${disk.name} size`).toBe(sectors * 512);
      expect(disk.id, `${disk.name} id`).toBeTruthy();
    }
  });

  it('reports the links ip reports, in the same order, with their MAC and MTU', async () => {
    const links = await json<{ ifname: string; address?: string; mtu: number; linkinfo?: { info_slave_kind?: string } }[]>('ip', ['-j', '-d', 'link', 'show']);
    expect((wire.interfaces as WireInventory[]).map((i) => i.name)).toEqual(links.map((l) => l.ifname));
    for (const link of links) {
      const nic = (wire.interfaces as WireInventory[]).find((i) => i.name === link.ifname) as WireInventory;
      expect(nic.mtu ?? 0, `${link.ifname} mtu`).toBe(link.mtu);
      if (link.linkinfo?.info_slave_kind === 'bond') continue;
      const mac = /^(00:)+00$/.test(link.address ?? '') ? undefined : link.address;
      expect(nic.mac_address, `${link.ifname} mac`).toBe(mac);
    }
  });

  it('reports as many routes as ip has in the main tables, in families 2 and 10', async () => {
    const [v4, v6] = await Promise.all([
      json<{ dev?: string; nexthops?: unknown[] }[]>('ip', ['-j', 'route', 'show', 'table', 'main']),
      json<{ dev?: string; nexthops?: unknown[] }[]>('ip', ['-j', '-6', 'route', 'show', 'table', 'main']),
    ]);
    const withLink = (routes: { dev?: string; nexthops?: unknown[] }[]) => routes.filter((r) => r.dev || r.nexthops).length;
    const routes = wire.routes as WireInventory[];
    expect(routes.filter((r) => r.family === 2)).toHaveLength(withLink(v4));
    expect(routes.filter((r) => r.family === 10)).toHaveLength(withLink(v6));
  });

  it('reports the kernel host name unless it is a localhost name', () => {
    const name = os.hostname();
    if (!/^localhost/.test(name)) expect(wire.hostname).toBe(name);
    else expect(wire.hostname).not.toMatch(/^localhost/);
  });

  it('validates against the swagger inventory definition', () => {
    expect(swaggerErrors('inventory', withoutNulls(wire))).toEqual([]);
  });
});
