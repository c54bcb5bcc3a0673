import { promises as fs } from 'node:fs';
import type { Logger } from '../log/logger.js';

/**
 * Which PCI devices count as GPUs, as hex IDs: `classes` are class+subclass ("0300"), `vendors`
 * add the vendor ("030210de"), `models` add the device ("030210de1eb8").
 */
export interface GpuMatchConfig {
  classes: string[];
  vendors: string[];
  models: string[];
}

/** Display controllers (VGA, 3D, other) and processing accelerators. */
export const DEFAULT_GPU_CONFIG: GpuMatchConfig = { classes: ['0300', '0302', '0380', '1200'], vendors: [], models: [] };

/** The `--gpu-config-file` YAML; a file that cannot be read or parsed means the defaults, as upstream. */
export async function loadGpuConfig(file: string | undefined, log: Logger): Promise<GpuMatchConfig> {
  if (!file) return DEFAULT_GPU_CONFIG;
  try {
    const [text, yaml] = await Promise.all([fs.readFile(file, 'utf8'), import('js-yaml')]);
    return parseGpuConfig(text, yaml.load);
  } catch (err) {
    log.warn(`gpus: cannot load ${file}, using the default GPU classes`, { error: String(err) });
    return DEFAULT_GPU_CONFIG;
  }
}

/** `loadYaml` is js-yaml's load, passed in so that the parser is only loaded when a file is given. */
export function parseGpuConfig(text: string, loadYaml: (text: string) => unknown): GpuMatchConfig {
  const doc = loadYaml(text) as Record<string, unknown> | null | undefined;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('expected a mapping with classes, vendors, models');
  return { classes: idList(doc.classes, 'classes'), vendors: idList(doc.vendors, 'vendors'), models: idList(doc.models, 'models') };
}

/** Entries are compared with white space removed ("0300 10de" is "030010de"), and lower-case like sysfs. */
function idList(value: unknown, key: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${key} must be a list`);
  return value.map((entry) => String(entry).replace(/\s+/g, '').toLowerCase());
}
