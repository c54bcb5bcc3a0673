import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { ParsedArgs } from '../cli/options.js';
import { dryRunConfig, dryRunOptions, loggingOptions, withOptions } from '../cli/options.js';
import { lldpOptions, lldpSettings } from '../cli/lldp-options.js';
import { findTool } from '../cli/tools.js';
import { ExitError } from '../errors.js';
import { VERSION } from '../version.js';
import { report, withCommandRuntime } from './runtime.js';

/** `inband inventory`: flags of its own (upstream's plus --host-root and --record-fixture). */
export function inventoryBuilder(y: Argv): Argv {
  return withOptions(y, loggingOptions(), dryRunOptions(), lldpOptions({ wait: true }), {
    'host-root': {
      type: 'string',
      default: process.env.INBAND_HOST_ROOT ?? '/',
      describe: 'where the host\'s /sys, /proc, /dev and /etc are (e.g. /host in a container); a recorded fixture directory replays its commands too',
    },
    'gpu-config-file': {
      type: 'string',
      default: '',
      describe: 'YAML with lists classes, vendors, models of PCI IDs that count as GPUs (default classes 0300, 0302, 0380, 1200)',
    },
    components: {
      type: 'boolean',
      default: false,
      describe: 'print the vendor-neutral component list (type, slot, vendor, model, serial, firmware) as JSON instead of the inventory',
    },
    table: {
      type: 'boolean',
      default: false,
      describe: 'with --components: an aligned text table instead of JSON',
    },
    'record-fixture': {
      type: 'string',
      default: '',
      describe: 'also copy every host file read and every command output into this (new or empty) directory, replayable with --host-root',
    },
  });
}

export async function inventoryCommand(argv: ParsedArgs): Promise<number> {
  const tool = findTool('inventory');
  if (!tool) throw new Error('inventory tool missing from the tool table');
  const dryRun = dryRunConfig(argv);
  const hostRoot = String(argv['host-root']);
  const recordTo = String(argv['record-fixture'] ?? '') || undefined;
  const lldp = lldpSettings(argv);
  if (recordTo) await ensureEmptyDirectory(recordTo);
  return withCommandRuntime(tool.logName, argv, async (log, signal) => {
    // Loaded here, not at the top: every other command (and --version) starts without them.
    const [{ openHost }, { collectInventory, encodeInventory }, { loadGpuConfig }, { startLldpSession }] = await Promise.all([
      import('../host/host-access.js'),
      import('../inventory/collect.js'),
      import('../inventory/gpu-config.js'),
      import('../inventory/lldp/session.js'),
    ]);
    // Listening starts first, so the wait for frames overlaps the collection.
    const lldpSession = await startLldpSession({ settings: lldp, hostRoot, log, listen: lldp.waitMs > 0, waitMs: lldp.waitMs, signal });
    let inventory;
    try {
      const [host, gpuConfig] = await Promise.all([
        openHost(hostRoot, { recordTo }),
        loadGpuConfig(String(argv['gpu-config-file'] ?? '') || undefined, log),
      ]);
      inventory = await collectInventory({ ...host, log, dryRun, gpuConfig, signal, lldp: lldpSession?.source });
    } finally {
      await lldpSession?.stop();
    }
    const json = encodeInventory(inventory);
    if (recordTo) await writeFixtureNotes(recordTo, hostRoot, json);
    if (argv.components === true) {
      const { inventoryComponents, componentsTable } = await import('../inventory/hardware/components.js');
      const components = inventoryComponents(inventory);
      process.stdout.write(argv.table === true ? componentsTable(components) : `${JSON.stringify(components, null, 2)}\n`);
    } else {
      process.stdout.write(`${json}\n`);
    }
    if (recordTo) report(`recorded this host into ${path.resolve(recordTo)}; replay with: inband inventory --host-root ${path.resolve(recordTo)}`);
    return 0;
  });
}

/** Recording into a directory that already holds something would mix two hosts. */
async function ensureEmptyDirectory(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ExitError(`--record-fixture ${dir}: ${(err as Error).message}`);
  }
  if (entries.length > 0) throw new ExitError(`--record-fixture ${dir}: directory is not empty; give a new or empty directory`);
}

/** What was recorded and what it produced, for whoever reads the fixture in a bug report. */
async function writeFixtureNotes(dir: string, hostRoot: string, json: string): Promise<void> {
  const notes = { recorded_by: `inband ${VERSION}`, recorded_at: new Date().toISOString(), host_root: hostRoot };
  await fs.writeFile(path.join(dir, 'inband-fixture.json'), `${JSON.stringify(notes, null, 2)}\n`);
  await fs.writeFile(path.join(dir, 'inventory.json'), `${json}\n`);
}
