import type { HostFs } from '../../host/host-fs.js';

/** udev's database of block devices, one file per device named b<major>:<minor>. */
const UDEV_DATA = '/run/udev/data';

/** The E: (environment) properties of a device's udev database entry. */
export function parseUdevProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('E:')) continue;
    const eq = line.indexOf('=');
    if (eq > 2) props.set(line.slice(2, eq), line.slice(eq + 1));
  }
  return props;
}

/** Properties of the block device `major:minor`; empty when udev has no entry (or is not running). */
export async function readUdevProperties(hostFs: HostFs, majorMinor: string | undefined): Promise<Map<string, string>> {
  if (!majorMinor) return new Map();
  const text = await hostFs.readText(`${UDEV_DATA}/b${majorMinor}`);
  return text === undefined ? new Map() : parseUdevProperties(text);
}

/** The first of `keys` that udev set to a non-empty value, or "". */
export function firstProperty(props: Map<string, string>, ...keys: string[]): string {
  for (const key of keys) {
    const value = props.get(key);
    if (value) return value;
  }
  return '';
}
