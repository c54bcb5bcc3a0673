import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FieldChecks, singleJsonObject } from './args.js';
import { BOOT_ENTRY_RELATIVE } from './download-boot-artifacts.js';
import { DEFAULT_STEP_TIMEOUT_MS, failed, ok, type StepContext, type StepModule } from './types.js';

export interface RebootForReclaimArgs {
  host_fs_mount_dir: string;
}

const COMMAND_TIMEOUT_MS = 2 * 60_000;
// Kernel parameters of the running discovery boot that zipl must carry over on s390x (upstream's list).
const S390X_CARRIED_PARAMS = ['ip=', 'nameserver=', 'rd.znet=', 'zfcp.allow_lun_scan=', 'rd.zfcp=', 'rd.dasd='];

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * s390x has no BLS-reading boot loader: zipl must write the discovery kernel into the IPL record.
 * The options travel as one argv entry after `sh -c`'s script ("$@"), never spliced into the script.
 */
async function ziplArgs(mountDir: string, ctx: StepContext): Promise<string[]> {
  const entry = await fs.readFile(path.join(mountDir, BOOT_ENTRY_RELATIVE), 'utf8');
  const options = entry.split('\n').find((line) => line.startsWith('options '))?.slice('options '.length).trim() ?? '';
  const cmdline = (await ctx.hostFs.readTrimmed('/proc/cmdline')) ?? '';
  const carried = cmdline.split(/\s+/).filter((p) => S390X_CARRIED_PARAMS.some((prefix) => p.startsWith(prefix)));
  return [
    mountDir, 'unshare', '--mount', 'sh', '-c', 'mount -o remount,rw /boot && exec zipl "$@"', 'zipl',
    '-V', '-t', '/boot', '-i', '/discovery/vmlinuz', '-r', '/discovery/initrd', '-P', [options, ...carried].filter(Boolean).join(' '),
  ];
}

export function rebootForReclaimStep(arch: string): StepModule<RebootForReclaimArgs> {
  return {
    type: 'reboot-for-reclaim',
    timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
    parseArgs(args) {
      const request = singleJsonObject(args, 'reboot_for_reclaim_request');
      const checks = new FieldChecks();
      const mountDir = checks.absolutePath(request, 'host_fs_mount_dir', { required: true });
      checks.done();
      return { host_fs_mount_dir: mountDir as string };
    },
    async run(args, ctx) {
      const mountDir = args.host_fs_mount_dir;
      // A reboot without the discovery entry would boot the installed OS again: the host would be
      // down for nothing and never come back as a discovery host.
      if (!(await isDirectory(mountDir))) {
        return failed(`refusing to reboot: host filesystem mount directory ${mountDir} does not exist, so the discovery boot entry is missing and rebooting would not reclaim the host`);
      }
      const entry = path.join(mountDir, BOOT_ENTRY_RELATIVE);
      try {
        await fs.access(entry);
      } catch {
        return failed(`refusing to reboot: the discovery boot entry ${entry} is missing, so rebooting would not reclaim the host`);
      }
      if (ctx.dryRun.enabled) return ok('');
      if (arch === 's390x') {
        const zipl = await ctx.run('chroot', await ziplArgs(mountDir, ctx), { timeoutMs: COMMAND_TIMEOUT_MS, signal: ctx.signal });
        if (zipl.exitCode !== 0) return failed(`failed to write the discovery boot record with zipl (exit code ${zipl.exitCode}): ${zipl.stderr.trim()}`, -1, zipl.stdout);
      }
      const result = await ctx.run('chroot', [mountDir, 'systemctl', 'reboot'], { timeoutMs: COMMAND_TIMEOUT_MS, signal: ctx.signal });
      if (result.exitCode !== 0) return failed(result.stderr.trim() || `systemctl reboot exited with code ${result.exitCode}`, result.exitCode, result.stdout);
      return ok(result.stdout, result.stderr);
    },
  };
}

export default rebootForReclaimStep(process.arch);
