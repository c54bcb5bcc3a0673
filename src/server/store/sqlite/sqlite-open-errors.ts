/**
 * Why the embedded store cannot open, in one line an operator can act on: which file, what is
 * wrong with it, and what to do. Raised at start-up, so a service never starts "fine" and then
 * answers 500 to every write.
 */
import { ExitError } from '../../../errors.js';
import { SchemaTooNewError } from './migrations.js';

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : '';
}

export function explainOpenFailure(error: unknown, where: { dataDir: string; file: string }): Error {
  if (error instanceof ExitError) return error;
  if (error instanceof SchemaTooNewError) return new ExitError(`${error.message}; run the inband version that wrote it, or a newer one`, 1);
  const code = codeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  const { dataDir, file } = where;
  switch (code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new ExitError(`${file} is not an inband database or is damaged (${detail}); move it aside to start with an empty store, or restore it from a backup`, 1);
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'EROFS':
      return new ExitError(`${file} cannot be written (${detail}); the service must write its store: check the file's owner and mode, \`lsattr\`, and whether ${dataDir} is on a read-only mount`, 1);
    case 'SQLITE_CANTOPEN':
      return new ExitError(`cannot open ${file} (${detail}); ${dataDir} must be a writable directory, not on a read-only mount, with room for ${file}-wal and ${file}-shm beside it`, 1);
    case 'SQLITE_BUSY':
      return new ExitError(`${file} is locked by another process (${detail}); is another inband serve using --data-dir ${dataDir}?`, 1);
    case 'SQLITE_FULL':
    case 'ENOSPC':
      return new ExitError(`no space left for ${file} (${detail}); free space on the file system of ${dataDir}`, 1);
    case 'EACCES':
    case 'EPERM':
      return new ExitError(`permission denied for ${dataDir} (${detail}); run as the owner of the data directory or fix its permissions`, 1);
    case 'ENOTDIR':
    case 'EEXIST':
      return new ExitError(`--data-dir ${dataDir} is not a directory (${detail}); point it at a directory`, 1);
    default:
      return error instanceof Error ? error : new Error(detail);
  }
}
