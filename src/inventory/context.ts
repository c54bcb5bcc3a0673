import type { HostFs } from '../host/host-fs.js';
import type { Logger } from '../log/logger.js';
import type { HostTools } from './host-tools.js';

/** What every collector gets: where to read the host from, how to run its tools, where to log. */
export interface CollectorContext {
  hostFs: HostFs;
  tools: HostTools;
  log: Logger;
  /**
   * True when reading the machine this process runs on (or one mounted into its container), false
   * when replaying a recorded fixture. Only a live collection may fall back on facts of this process
   * (os.hostname(), the agent image's own pci.ids), since a fixture must replay the same everywhere.
   */
  live: boolean;
  /**
   * Loads a fact several collectors need (the mount table, `ip` output) once per collection:
   * the first caller's `load` runs, later callers with the same key share its promise.
   */
  shared<T>(key: string, load: () => Promise<T>): Promise<T>;
}
