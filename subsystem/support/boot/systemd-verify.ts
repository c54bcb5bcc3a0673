/**
 * `systemd-analyze verify` of units a discovery configuration wrote, against a scratch root of
 * their own (`--root`), never the machine's units. The root holds the machine's packaged units
 * (so multi-user.target and network-online.target resolve), the units under test, and every
 * program their Exec lines name: from the discovery root when the configuration put it there,
 * else from the machine (podman stands for the live image's own).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseCommand, parseUnit, unitValues } from './systemd-unit.js';

const run = promisify(execFile);
const EXEC_KEYS = ['ExecStartPre', 'ExecStart', 'ExecStartPost', 'ExecStop', 'ExecStopPost', 'ExecReload'];

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

async function place(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  // A hard link when both are on one file system: the 100 MB agent is not copied.
  await fs.link(from, to).catch(() => fs.copyFile(from, to));
}

export async function verifyUnits(discoveryRoot: string, unitNames: string[], scratch: string): Promise<{ code: number; output: string }> {
  const root = path.join(scratch, 'verify-root');
  await fs.mkdir(path.join(root, 'etc/systemd/system'), { recursive: true });
  await fs.mkdir(path.join(root, 'usr/lib/systemd'), { recursive: true });
  await run('cp', ['-a', '/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/')], { timeout: 60_000 });
  for (const name of unitNames) {
    const unitPath = path.join('etc/systemd/system', name);
    const text = await fs.readFile(path.join(discoveryRoot, unitPath), 'utf8');
    await fs.writeFile(path.join(root, unitPath), text);
    const unit = parseUnit(text);
    for (const key of EXEC_KEYS) {
      for (const value of unitValues(unit, 'Service', key)) {
        const program = parseCommand(value).argv[0] as string;
        const fromDiscovery = path.join(discoveryRoot, program);
        const target = path.join(root, program);
        if (await exists(target)) continue;
        if (await exists(fromDiscovery)) await place(fromDiscovery, target);
        else if (await exists(program)) await place(program, target);
      }
    }
  }
  try {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', `--root=${root}`, '--man=no', ...unitNames], { timeout: 60_000 });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? String(err)}` };
  }
}
