import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * A contract kept byte-exact in spec/ (see spec/README.md): refused unless its sha256 is the one
 * recorded there, so a local edit or a missing file fails the suite instead of weakening it.
 */
export function readPinnedFile(file: string, sha256: string, what: string): Buffer {
  const bytes = readFileSync(file);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== sha256) {
    throw new Error(`${file} is not ${what} (sha256 ${digest}, expected ${sha256}); restore it from spec/README.md's source, do not edit it`);
  }
  return bytes;
}
