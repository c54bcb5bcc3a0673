import type { CollectorContext } from './context.js';

const TPM_MAJOR = '/sys/class/tpm/tpm0/tpm_version_major';

/** "none" without a TPM, "1.2" or "2.0" by its major version, the raw value otherwise, "" when unreadable. */
export async function collectTpmVersion(ctx: CollectorContext): Promise<string> {
  const major = await ctx.hostFs.readTrimmed(TPM_MAJOR);
  if (major === undefined) {
    if (!(await ctx.hostFs.exists(TPM_MAJOR))) return 'none';
    ctx.log.warn(`tpm: ${TPM_MAJOR} exists but cannot be read`);
    return '';
  }
  if (major === '1') return '1.2';
  if (major === '2') return '2.0';
  return major;
}
