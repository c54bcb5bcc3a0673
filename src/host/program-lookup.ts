import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * Whether `file` names a program this process could start: found executable in $PATH (or at the
 * path given). Lets a caller skip a spawn that could only fail with ENOENT, which costs a fork of
 * the whole process to learn.
 */
export function programOnPath(file: string, searchPath: string = process.env.PATH ?? ''): boolean {
  const candidates = file.includes('/') ? [file] : searchPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, file));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
