/**
 * The CPU architecture an executable is built for, from its ELF header, in upstream's
 * `cpu_architecture` names, so a served binary is matched to the infra-envs it can boot.
 */

/** e_machine values (System V ABI) of the architectures upstream's infra-envs name. */
const MACHINES: Record<number, string> = { 62: 'x86_64', 183: 'aarch64', 21: 'ppc64le', 22: 's390x' };

export class NotAnAgentBinaryError extends Error {
  constructor(file: string, why: string) {
    super(`${file} is not an agent binary inband can serve: ${why}`);
    this.name = 'NotAnAgentBinaryError';
  }
}

/** Reads the architecture from the first 20 bytes of an ELF file. */
export function elfArchitecture(header: Uint8Array, file: string): string {
  if (header.length < 20 || header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) {
    throw new NotAnAgentBinaryError(file, 'not an ELF executable');
  }
  if (header[4] !== 2) throw new NotAnAgentBinaryError(file, 'a 32-bit ELF file (discovery hosts are 64-bit)');
  const littleEndian = header[5] === 1;
  const machine = littleEndian ? (header[18] as number) | ((header[19] as number) << 8) : ((header[18] as number) << 8) | (header[19] as number);
  const arch = MACHINES[machine];
  // ppc64 exists big-endian too; upstream's enum names only the little-endian one.
  if (!arch || (arch === 'ppc64le' && !littleEndian) || (arch === 's390x' && littleEndian)) {
    throw new NotAnAgentBinaryError(file, `ELF machine ${machine} is none of ${Object.values(MACHINES).join(', ')}`);
  }
  return arch;
}

/** Upstream still accepts `arm64` for `aarch64` in infra-envs. */
export function canonicalArchitecture(arch: string): string {
  return arch === 'arm64' ? 'aarch64' : arch;
}
