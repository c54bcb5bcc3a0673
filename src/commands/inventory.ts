import type { Argv } from 'yargs';
import type { ParsedArgs } from '../cli/options.js';
import { dryRunConfig, dryRunOptions, loggingOptions, withOptions } from '../cli/options.js';
import { findTool } from '../cli/tools.js';
import { loggerFor, stopSignal } from './runtime.js';
import { stepToolCommand } from './step-tool.js';

/** `inband inventory`: flags of its own (upstream's plus --host-root). */
export function inventoryBuilder(y: Argv): Argv {
  return withOptions(y, loggingOptions(), dryRunOptions(), {
    'host-root': {
      type: 'string',
      default: process.env.INBAND_HOST_ROOT ?? '/',
      describe: 'where the host\'s /sys, /proc, /dev and /etc are (e.g. /host in a container)',
    },
  });
}

export async function inventoryCommand(argv: ParsedArgs): Promise<number> {
  const tool = findTool('inventory');
  if (!tool) throw new Error('inventory tool missing from the tool table');
  const log = loggerFor(tool.logName, argv);
  const stop = stopSignal();
  try {
    return await stepToolCommand({
      tool,
      args: [],
      dryRun: dryRunConfig(argv),
      log,
      hostRoot: String(argv['host-root']),
      signal: stop.signal,
    });
  } finally {
    stop.dispose();
    await log.close();
  }
}
