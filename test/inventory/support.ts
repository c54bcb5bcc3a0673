/** Shared helpers of the inventory tests: collecting from a host root, comparing field by field. */
import path from 'node:path';
import { expect } from 'vitest';
import { openHost, type HostAccessOptions } from '../../src/host/host-access.js';
import { collectInventory, encodeInventory } from '../../src/inventory/collect.js';
import type { GpuMatchConfig } from '../../src/inventory/gpu-config.js';
import { memoryLogger } from '../../src/log/logger.js';
import type { DryRunConfig } from '../../src/config/dry-run.js';
import { EXTENSION_FIELDS } from '../../src/inventory/extensions.js';

const here = path.dirname(new URL(import.meta.url).pathname);
/** Synthetic hosts: trees written from tables (test/fixtures/hosts-src), never recorded. */
export const SYNTHETIC_HOSTS_DIR = path.resolve(here, '../fixtures/hosts');

export const SYNTHETIC_HOSTS = [
  'vm-virtio',
  'server-nvme-sata-raid',
  'san-multipath-iscsi',
  'bond-vlan-ipv6',
  'gpu-tpm-secureboot-bmc',
  'discovery-iso-usb',
  'numa2-sriov',
  'numa4-gpu',
] as const;
/** Recorded hosts: `--record-fixture` trees of real hosts, with the tools' outputs beside them (test/fixtures/record-hosts.ts). */
export const RECORDED_HOSTS_DIR = path.resolve(here, '../fixtures/recorded');

export type SyntheticHost = (typeof SYNTHETIC_HOSTS)[number];

export function syntheticRoot(name: SyntheticHost): string {
  return path.join(SYNTHETIC_HOSTS_DIR, name);
}

export interface CollectOptions extends HostAccessOptions {
  dryRun?: DryRunConfig;
  gpuConfig?: GpuMatchConfig;
}

/** Runs the whole inventory against a host root and returns the wire JSON, parsed, plus the log. */
export async function collectWire(root: string, options: CollectOptions = {}) {
  const log = memoryLogger();
  const host = await openHost(root, options);
  const inventory = await collectInventory({ ...host, log, dryRun: options.dryRun, gpuConfig: options.gpuConfig });
  const json = encodeInventory(inventory);
  return { json, wire: JSON.parse(json) as WireInventory, log, live: host.live };
}

/** The inventory as it appears on the wire: omitted zero values make every field optional. */
export type WireInventory = Record<string, any>;

/**
 * Compares two JSON values one field at a time, so that a failure names the field
 * ("disks[sda].by_id") instead of printing two whole documents. Objects must have exactly the
 * same keys: a key that upstream would leave out is as wrong as a missing one. Our extension
 * fields (EXTENSION_FIELDS) are compared where the expectation has them and set aside where it
 * does not, so an expectation of upstream's fields alone stays one. `at` is the schema path of
 * `actual` ("disks[]"); it defaults to `where` for a top-level section.
 */
export function expectSameFields(actual: unknown, expected: unknown, where = '$', at = where.replace(/^\$\.?/, '')): number {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${where} is an array`).toBe(true);
    const list = actual as unknown[];
    expect(list.length, `${where}.length`).toBe(expected.length);
    let checked = 0;
    expected.forEach((item, i) => {
      checked += expectSameFields(list[i], item, `${where}[${label(item, i)}]`, `${at}[]`);
    });
    return checked;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${where} is an object`).toBe(true);
    const object = actual as Record<string, unknown>;
    const keys = Object.keys(object).filter((key) => key in expected || !EXTENSION_FIELDS.has(at === '' ? key : `${at}.${key}`));
    expect(keys.sort(), `${where} keys`).toEqual(Object.keys(expected).sort());
    let checked = 0;
    for (const [key, value] of Object.entries(expected)) checked += expectSameFields(object[key], value, `${where}.${key}`, at === '' ? key : `${at}.${key}`);
    return checked;
  }
  expect(actual, where).toStrictEqual(expected);
  return 1;
}

function label(item: unknown, index: number): string {
  if (item && typeof item === 'object' && 'name' in item) return String((item as { name: unknown }).name);
  if (item && typeof item === 'object' && 'address' in item) return String((item as { address: unknown }).address);
  return String(index);
}

