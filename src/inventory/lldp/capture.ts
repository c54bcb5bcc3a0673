// One NIC's capture: a `tcpdump` that writes every LLDP frame the NIC receives to its stdout as a
// pcap stream. It runs for as long as the agent listens; when it dies (the NIC went down, the
// driver was reloaded, the stream went wrong) it is started again after a growing pause.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../log/logger.js';
import { CAPTURE_SNAPLEN } from './limits.js';
import { PcapStreamError, PcapStreamParser, type PcapRecord } from './pcap.js';

const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 60_000;
/** A capture that ran this long was healthy: the next failure starts the backoff over. */
const HEALTHY_RUN_MS = 60_000;
const KILL_GRACE_MS = 2_000;
const STDERR_KEPT_BYTES = 512;

export interface CaptureOptions {
  nic: string;
  onRecord: (record: PcapRecord) => void;
  log: Logger;
  /** The capture program; tests give a stand-in. */
  program?: string;
}

/** The arguments: immediate delivery, incoming frames only (not the host's own), LLDP's EtherType. */
export function tcpdumpArgs(nic: string): string[] {
  return ['-U', '--immediate-mode', '-Q', 'in', '-s', String(CAPTURE_SNAPLEN), '-w', '-', '-i', nic, 'ether', 'proto', '0x88cc'];
}

export class NicCapture {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private delayMs = FIRST_RESTART_DELAY_MS;
  private stopped = false;
  /** How many times the capture was started; for tests and log lines. */
  starts = 0;

  constructor(private readonly options: CaptureOptions) {}

  start(): void {
    if (this.stopped || this.child) return;
    const { nic, log } = this.options;
    const startedAt = Date.now();
    const parser = new PcapStreamParser();
    let stderr = '';
    let broken = false;
    let missing = false;
    this.starts++;
    const child = spawn(this.options.program ?? 'tcpdump', tcpdumpArgs(nic), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (broken) return;
      let records: PcapRecord[];
      try {
        records = parser.push(chunk);
      } catch (err) {
        // Nothing after a broken record can be framed again: start over with a fresh stream.
        log.warn(`lldp: capture on ${nic} stopped: ${err instanceof PcapStreamError ? err.message : String(err)}`);
        broken = true;
        child.kill('SIGKILL');
        return;
      }
      for (const record of records) this.options.onRecord(record);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT_BYTES);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      stderr = err.message;
      missing = err.code === 'ENOENT';
    });
    child.on('close', (code, signal) => {
      this.child = undefined;
      if (this.stopped) return;
      // No capture program on this host (an image without tcpdump): lldpd stays the only source.
      if (missing) {
        log.warn(`lldp: ${this.options.program ?? 'tcpdump'} is not installed; not listening on ${nic} (lldpd's neighbours are still reported)`);
        return;
      }
      if (Date.now() - startedAt >= HEALTHY_RUN_MS) this.delayMs = FIRST_RESTART_DELAY_MS;
      const why = lastLine(stderr) || `exit ${code ?? signal}`;
      log.warn(`lldp: capture on ${nic} ended (${why}); starting it again in ${this.delayMs / 1000} s`);
      this.restartTimer = setTimeout(() => this.start(), this.delayMs);
      this.restartTimer.unref();
      this.delayMs = Math.min(this.delayMs * 2, MAX_RESTART_DELAY_MS);
    });
  }

  /** Kills the capture (TERM, then KILL) and resolves once it is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      child.once('close', () => {
        clearTimeout(killTimer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}
