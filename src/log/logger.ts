import { once } from 'node:events';
import path from 'node:path';
import winston from 'winston';
import { JournaldTransport } from './journald-transport.js';

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
const logfmt = winston.format.printf((info) => {
  const { level, message, timestamp, ...meta } = info as Record<string, unknown>;
  const fields = Object.entries(meta)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${quote(value)}`);
  return [`time=${quote(timestamp)}`, `level=${String(level)}`, `msg=${quote(message)}`, ...fields].join(' ');
});

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : value instanceof Error ? value.message : JSON.stringify(value);
  return /^[\w./:@+-]+$/.test(text ?? '') ? (text as string) : JSON.stringify(text ?? '');
}

export function createLogger(options: LoggingOptions): Logger {
  const transports: winston.transport[] = [];
  if (options.text) {
    const dir = options.dir ?? process.env.INBAND_LOG_DIR ?? '/var/log';
    transports.push(new winston.transports.File({ filename: path.join(dir, `${options.name}.log`) }));
  }
  if (options.stdout) transports.push(new winston.transports.Console());
  if (options.journal) {
    transports.push(
      new JournaldTransport({ identifier: 'agent', socketPath: options.journalSocket, command: options.journalCommand }),
    );
  }
  const logger = winston.createLogger({
    level: options.level ?? process.env.INBAND_LOG_LEVEL ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), logfmt),
    transports,
    // With every sink switched off upstream discards its logs; winston would warn about a logger without transports.
    silent: transports.length === 0,
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
      if (transports.length === 0) return;
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
