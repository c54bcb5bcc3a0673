import { createLogger, type Logger } from '../log/logger.js';
import { errorMessage } from '../errors.js';
import type { ParsedArgs } from '../cli/options.js';

/** The logger a command's flags ask for, named after the tool's upstream log file. */
export function loggerFor(logName: string, argv: ParsedArgs): Promise<Logger> {
  return createLogger({
    name: logName,
    journal: argv['with-journal-logging'] === true,
    text: argv['with-text-logging'] === true,
    stdout: argv['with-stdout-logging'] === true,
  });
}

/** An abort signal that fires on SIGTERM or SIGINT, so loops end cleanly and the process exits 0. */
export function stopSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => controller.abort(new Error(`received ${name}`));
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

/** Final words an operator must see whatever the logging flags say. */
export function report(message: string): void {
  process.stderr.write(`inband: ${message}\n`);
}

/**
 * A command's lifetime: its logger, a stop signal for SIGTERM/SIGINT, the error logged on the way
 * out, and both released whatever happens.
 */
export async function withCommandRuntime(
  logName: string,
  argv: ParsedArgs,
  body: (log: Logger, signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const log = await loggerFor(logName, argv);
  const stop = stopSignal();
  try {
    return await body(log, stop.signal);
  } catch (err) {
    log.error(errorMessage(err));
    throw err;
  } finally {
    stop.dispose();
    await log.close();
  }
}
