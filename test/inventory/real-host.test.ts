/**
 * The inventory of the machine the tests run on, checked against what other tools on the same
 * machine say now: lsblk, ip, lscpu, nproc, uname and /proc/meminfo. Values are read live, never
 * written down; the checks are the ones the recorded hosts get (tool-checks.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { swaggerErrors } from '../support/swagger.js';
import { collectWire, type WireInventory } from './support.js';
import { withoutNulls } from '../support/go-null.js';
import { checkCpu, checkDisks, checkHostname, checkInterfaces, checkMemory, checkRoutes, type ToolOutputs } from './tool-checks.js';

const run = promisify(execFile);
const onLinux = process.platform === 'linux';

async function stdout(file: string, args: string[]): Promise<string> {
  return (await run(file, args, { timeout: 10_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** The same tools record-hosts.ts saves beside a recording, run now. */
async function liveTools(): Promise<ToolOutputs> {
  const json = async <T>(file: string, args: string[]): Promise<T> => JSON.parse(await stdout(file, args)) as T;
  const [lsblk, ipLink, ipAddr, route4, route6, lscpu, nproc, unameNode] = await Promise.all([
    json<ToolOutputs['lsblk']>('lsblk', ['-J', '-b', '-d', '-o', 'NAME,TYPE,SIZE,RM,ROTA,MODEL,SERIAL,VENDOR,WWN,HCTL']),
    json<ToolOutputs['ipLink']>('ip', ['-j', '-d', 'link', 'show']),
    json<ToolOutputs['ipAddr']>('ip', ['-j', 'addr', 'show']),
    json<ToolOutputs['route4']>('ip', ['-j', 'route', 'show', 'table', 'main']),
    json<ToolOutputs['route6']>('ip', ['-j', '-6', 'route', 'show', 'table', 'main']),
    json<ToolOutputs['lscpu']>('lscpu', ['-J']),
    stdout('nproc', ['--all']),
    stdout('uname', ['-n']),
  ]);
  return {
    lsblk,
    ipLink,
    ipAddr,
    route4,
    route6,
    lscpu,
    nproc: Number(nproc.trim()),
    meminfo: readFileSync('/proc/meminfo', 'utf8'),
    unameNode,
    sysAttr: (sysPath) => {
      try {
        return readFileSync(sysPath, 'utf8').trim();
      } catch {
        return undefined;
      }
    },
  };
}

describe.skipIf(!onLinux)('this machine', () => {
  let wire: WireInventory;
  let tools: ToolOutputs;
  beforeAll(async () => {
    ({ wire } = await collectWire('/'));
    tools = await liveTools();
  });

  it('reports the CPU lscpu and nproc see, on this architecture', async () => {
    checkCpu(wire, tools);
    expect(wire.cpu.architecture).toBe((await stdout('uname', ['-m'])).trim());
  });
  it('reports MemTotal as usable memory and a physical size at least that large', () => checkMemory(wire, tools));
  it('reports the disks lsblk shows, except the kinds upstream filters out, with their sizes, flags and IDs', () => checkDisks(wire, tools));
  it('reports the links ip reports, in the same order, with their MTU, MAC, flags, kind, carrier and addresses', () => checkInterfaces(wire, tools));
  it('reports the main-table routes ip has, field by field', () => checkRoutes(wire, tools));
  it('reports the kernel host name unless it is a localhost name', () => checkHostname(wire, tools));
  it('validates against the swagger inventory definition', () => {
    expect(swaggerErrors('inventory', withoutNulls(wire))).toEqual([]);
  });
});
