import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import Transport from 'winston-transport';

/** sd-daemon(3) priorities for winston's npm levels. */
const PRIORITY: Record<string, number> = { error: 3, warn: 4, info: 6, http: 6, verbose: 7, debug: 7, silly: 7 };

export interface JournaldOptions {
  /** SYSLOG_IDENTIFIER of the entries; upstream tags every agent line "agent" and logs_sender filters on it. */
  identifier: string;
  /** The journal's native socket; without it there is no journald to write to and the transport stays silent. */
  socketPath?: string;
  /** The program that forwards lines to the journal. */
  command?: string;
}

/**
 * Writes log lines to journald through `systemd-cat --level-prefix`, which keeps the single binary
 * free of native addons (Node has no AF_UNIX datagram sockets). The child is started on the first
 * line and ended with the transport.
 */
export class JournaldTransport extends Transport {
  private child: ChildProcess | undefined;
  private disabled: boolean;
  private readonly command: string;

  constructor(private readonly journal: JournaldOptions) {
    super();
    this.command = journal.command ?? 'systemd-cat';
    this.disabled = !existsSync(journal.socketPath ?? '/run/systemd/journal/socket');
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    const line = info[Symbol.for('message')];
    const child = this.ensureChild();
    if (child?.stdin?.writable && typeof line === 'string') {
      const priority = PRIORITY[String(info.level)] ?? 6;
      child.stdin.write(`<${priority}>${line.replace(/\n/g, ' ')}\n`);
    }
    callback();
  }

  override close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private ensureChild(): ChildProcess | undefined {
    if (this.disabled) return undefined;
    if (!this.child) {
      this.child = spawn(this.command, ['-t', this.journal.identifier, '--level-prefix=true'], {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      this.child.on('error', () => {
        this.disabled = true;
        this.child = undefined;
      });
      this.child.stdin?.on('error', () => {
        this.disabled = true;
      });
      this.child.unref();
      (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    }
    return this.child;
  }
}
