import { HostFs } from '../../host/host-fs.js';
import { isRecordedFixture } from '../../host/recorded-commands.js';
import type { Logger } from '../../log/logger.js';
import type { LldpSource } from './collect.js';
import { LldpListener } from './listener.js';

/** What the LLDP flags ask for. */
export interface LldpSettings {
  enabled: boolean;
  /** NICs to listen on; empty: every physical NIC that is up. */
  interfaces: string[];
  /** lldpd's control socket (`lldpcli -u`); undefined: lldpcli's default. */
  lldpdSocket?: string;
  /** `inband inventory` only: how long to listen for neighbours when no lldpd answers. */
  waitMs: number;
}

/** An LLDP source with the listener behind it, if any, and how to stop that listener. */
export interface LldpSession {
  source: LldpSource;
  stop(): Promise<void>;
}

export interface SessionOptions {
  settings: LldpSettings;
  hostRoot: string;
  log: Logger;
  /** Whether to run the listener at all (dry-run agents and `inventory` without --lldp-wait do not). */
  listen: boolean;
  /** 0: inventories get what the listener holds now; more: they wait up to this long for a fresh view. */
  waitMs: number;
  signal?: AbortSignal;
}

/**
 * Undefined when LLDP is off. The listener runs only on a live host: a recorded fixture's
 * /sys names NICs of another machine, which must never be captured on here.
 */
export async function startLldpSession(options: SessionOptions): Promise<LldpSession | undefined> {
  const { settings } = options;
  if (!settings.enabled) return undefined;
  const source: LldpSource = { lldpdSocket: settings.lldpdSocket };
  if (!options.listen || (await isRecordedFixture(options.hostRoot))) return { source, stop: async () => undefined };
  const listener = new LldpListener({ hostFs: new HostFs(options.hostRoot), log: options.log, interfaces: settings.interfaces });
  listener.start();
  source.listener = options.waitMs > 0 ? () => listener.freshView(options.waitMs, options.signal) : async () => listener.snapshot();
  return { source, stop: () => listener.stop() };
}
