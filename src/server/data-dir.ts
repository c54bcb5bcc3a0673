/**
 * The service's data directory holds the agent tokens (in the store) and the operator token: made
 * 0700 when the service creates it; an existing one keeps the mode its operator chose, with a
 * warning when others can read it.
 */
import { mkdirSync, statSync } from 'node:fs';
import { ExitError } from '../errors.js';

export function prepareDataDir(dataDir: string, warn: (message: string) => void): void {
  let stats;
  try {
    stats = statSync(dataDir);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw new ExitError(`cannot use --data-dir ${dataDir}: ${(error as Error).message}`, 1);
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (mkdirError) {
      throw new ExitError(`cannot create --data-dir ${dataDir}: ${(mkdirError as Error).message}`, 1);
    }
    return;
  }
  if (!stats.isDirectory()) throw new ExitError(`--data-dir ${dataDir} is not a directory; point it at a directory`, 1);
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
    warn(`--data-dir ${dataDir} has mode ${mode}: other users can read the tokens kept there; consider chmod 700 ${dataDir}`);
  }
}
