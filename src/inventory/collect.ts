import type { DryRunConfig } from '../config/dry-run.js';
import type { CommandRunner } from '../host/command-runner.js';
import type { HostFs } from '../host/host-fs.js';
import type { Logger } from '../log/logger.js';
import { collectBmcAddresses, DEFAULT_BMC_V4, DEFAULT_BMC_V6, type BmcAddresses } from './bmc.js';
import { collectBoot } from './boot.js';
import type { CollectorContext } from './context.js';
import { collectCpu, emptyCpu } from './cpu.js';
import { collectDisks } from './disks/disks.js';
import { applyDryRun } from './dry-run.js';
import { ZERO_IS_A_VALUE } from './extensions.js';
import { encodeGoJson } from './go-json.js';
import { DEFAULT_GPU_CONFIG, type GpuMatchConfig } from './gpu-config.js';
import { collectGpus } from './gpus.js';
import { applyHardwareDetails, collectHardwareDetails, emptyHardwareDetails } from './hardware/collect-hardware.js';
import { HostTools } from './host-tools.js';
import { collectKernelHostname, replaceLocalhostName } from './hostname.js';
import { attachLldp, collectLldp, type LldpSource } from './lldp/collect.js';
import { collectMemory } from './memory.js';
import type { Boot, Inventory, Memory, SystemVendor } from './model.js';
import { collectInterfaces } from './network/interfaces.js';
import { collectRoutes } from './network/routes.js';
import { collectSystemVendor } from './system-vendor.js';
import { collectTpmVersion } from './tpm.js';

export interface InventorySources {
  hostFs: HostFs;
  runner: CommandRunner;
  log: Logger;
  /** False when replaying a recorded fixture (see CollectorContext.live). */
  live: boolean;
  /** Whether a program can be run at all; lets per-item tools that are missing cost no process. */
  isInstalled?: (file: string) => boolean;
  dryRun?: DryRunConfig;
  gpuConfig?: GpuMatchConfig;
  signal?: AbortSignal;
  /** Where LLDP neighbours come from; absent: none are reported (`--no-lldp`). */
  lldp?: LldpSource;
}

/**
 * Collects every section at once. A section whose collector throws is reported empty (as upstream
 * reports a section it could not read) and the reason is logged; the others are unaffected.
 */
export async function collectInventory(sources: InventorySources): Promise<Inventory> {
  const ctx = collectorContext(sources);
  const dryRun = sources.dryRun?.enabled === true;
  const section = async <T>(name: string, collect: () => Promise<T>, fallback: () => T): Promise<T> => {
    const started = performance.now();
    try {
      return await collect();
    } catch (err) {
      ctx.log.error(`inventory: collecting ${name} failed; reporting it empty`, { error: err instanceof Error ? err.message : String(err) });
      return fallback();
    } finally {
      ctx.log.debug(`inventory: ${name} took ${(performance.now() - started).toFixed(1)} ms`);
    }
  };

  const lldp = sources.lldp;
  const [cpu, memory, disks, interfaces, routes, boot, systemVendor, gpus, bmc, tpmVersion, hostname, neighbours, hardware] = await Promise.all([
    section('cpu', () => collectCpu(ctx), emptyCpu),
    section('memory', () => collectMemory(ctx), emptyMemory),
    section('disks', () => collectDisks(ctx), () => []),
    section('interfaces', () => collectInterfaces(ctx), () => []),
    section('routes', () => collectRoutes(ctx), () => []),
    section('boot', () => collectBoot(ctx), emptyBoot),
    section('system_vendor', () => collectSystemVendor(ctx), emptySystemVendor),
    section('gpus', () => collectGpus(ctx, sources.gpuConfig ?? DEFAULT_GPU_CONFIG), () => []),
    dryRun ? defaultBmc() : section('bmc', () => collectBmcAddresses(ctx), defaultBmc),
    section('tpm_version', () => collectTpmVersion(ctx), () => ''),
    section('hostname', () => collectKernelHostname(ctx), () => ''),
    lldp ? section('lldp', () => collectLldp(ctx, lldp), () => new Map()) : undefined,
    section('hardware details', () => collectHardwareDetails(ctx, { probeBmc: !dryRun }), emptyHardwareDetails),
  ]);
  if (neighbours) attachLldp(interfaces, neighbours);

  const inventory: Inventory = {
    bmc_address: bmc.v4,
    bmc_v6address: bmc.v6,
    boot,
    cpu,
    disks,
    gpus,
    hostname,
    interfaces,
    memory,
    routes,
    system_vendor: systemVendor,
    tpm_version: tpmVersion,
  };
  await applyHardwareDetails(ctx, inventory, hardware);
  if (sources.dryRun) applyDryRun(inventory, sources.dryRun);
  inventory.hostname = replaceLocalhostName(inventory.hostname, inventory.interfaces);
  return inventory;
}

/**
 * The inventory as upstream's agent sends it: compact JSON with go-swagger's omitempty rules (our
 * extension fields where 0 is a value, such as NUMA node 0, keep it).
 */
export function encodeInventory(inventory: Inventory): string {
  return encodeGoJson(inventory, ZERO_IS_A_VALUE);
}

function collectorContext(sources: InventorySources): CollectorContext {
  const shared = new Map<string, Promise<unknown>>();
  return {
    hostFs: sources.hostFs,
    tools: new HostTools(sources.runner, sources.signal, sources.isInstalled),
    log: sources.log,
    live: sources.live,
    shared<T>(key: string, load: () => Promise<T>): Promise<T> {
      let found = shared.get(key) as Promise<T> | undefined;
      if (!found) {
        found = load();
        shared.set(key, found);
      }
      return found;
    },
  };
}

function defaultBmc(): BmcAddresses {
  return { v4: DEFAULT_BMC_V4, v6: DEFAULT_BMC_V6 };
}

function emptyMemory(): Memory {
  return { physical_bytes: 0, physical_bytes_method: '', usable_bytes: 0 };
}

function emptyBoot(): Boot {
  return { command_line: '', current_boot_mode: '', device_type: '', pxe_interface: '', secure_boot_state: '' };
}

function emptySystemVendor(): SystemVendor {
  return { manufacturer: '', product_name: '', serial_number: '', virtual: false };
}
