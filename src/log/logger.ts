import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type winston from 'winston';

export type LogMeta = Record<string, unknown>;

export interface Logger {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
  /** Waits until every transport has written what it was given. */
  close(): Promise<void>;
}

export interface LoggingOptions {
  /** The log's name: the text file is `<dir>/<name>.log`, as upstream's /var/log/agent_registration.log. */
  name: string;
  text: boolean;
  journal: boolean;
  stdout: boolean;
  /** Where text logs go; /var/log unless INBAND_LOG_DIR says otherwise. */
  dir?: string;
  level?: string;
  journalSocket?: string;
  journalCommand?: string;
}

/** logfmt lines: time="…" level=info msg="…" key=value — the shape upstream's logrus text formatter writes. */
function logfmtLine(info: Record<string, unknown>): string {
  const { level, message, timestamp, ...meta } = info;
  const fields = Object.entries(meta).map(([key, value]) => `${key}=${quote(value)}`);
  return [`time=${quote(timestamp)}`, `level=${String(level)}`, `msg=${quote(message)}`, ...fields].join(' ');
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : value instanceof Error ? value.message : JSON.stringify(value);
  return /^[\w./:@+-]+$/.test(text ?? '') ? (text as string) : JSON.stringify(text ?? '');
}

const SILENT: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, close: async () => {} };

/**
 * The logger the logging flags ask for. With every sink off (or journald asked for where there is
 * none) the lines are discarded, as upstream discards them, and winston is not even loaded: short
 * tools such as `inventory` keep their start-up cost and memory for their own work.
 */
export async function createLogger(options: LoggingOptions): Promise<Logger> {
  const journal = options.journal && existsSync(options.journalSocket ?? '/run/systemd/journal/socket');
  if (!options.text && !options.stdout && !journal) return SILENT;
  const { default: winston } = await import('winston');
  const transports: winston.transport[] = [];
  if (options.text) {
    const dir = options.dir ?? process.env.INBAND_LOG_DIR ?? '/var/log';
    transports.push(new winston.transports.File({ filename: path.join(dir, `${options.name}.log`) }));
  }
  if (options.stdout) transports.push(new winston.transports.Console());
  if (journal) {
    const { JournaldTransport } = await import('./journald-transport.js');
    transports.push(
      new JournaldTransport({ identifier: 'agent', socketPath: options.journalSocket, command: options.journalCommand }),
    );
  }
  const logger = winston.createLogger({
    level: options.level ?? process.env.INBAND_LOG_LEVEL ?? 'info',
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.printf((info) => logfmtLine(info as Record<string, unknown>)),
    ),
    transports,
    exitOnError: false,
  });
  // A failing sink (a read-only /var/log, say) must not take the agent down.
  logger.on('error', () => undefined);
  return {
    debug: (message, meta) => logger.debug(message, meta),
    info: (message, meta) => logger.info(message, meta),
    warn: (message, meta) => logger.warn(message, meta),
    error: (message, meta) => logger.error(message, meta),
    close: async () => {
      const finished = once(logger, 'finish');
      logger.end();
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    },
  };
}

/** A logger that keeps its lines in memory, for tests and for code that runs before logging is set up. */
export function memoryLogger(): Logger & { lines: { level: string; message: string; meta?: LogMeta }[] } {
  const lines: { level: string; message: string; meta?: LogMeta }[] = [];
  const add = (level: string) => (message: string, meta?: LogMeta) => {
    lines.push({ level, message, meta });
  };
  return { lines, debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error'), close: async () => {} };
}
