// The agent's own LLDP receiver, for hosts without lldpd: a capture per physical NIC that is up,
// every frame decoded as it arrives, the latest one per neighbour kept until its TTL runs out.
// LLDP frames come every ~30 s, so the listener starts with the agent and an inventory reports
// whatever it holds by then instead of waiting.
import type { HostFs } from '../../host/host-fs.js';
import type { Logger } from '../../log/logger.js';
import type { LldpNeighbor } from '../extensions.js';
import { NicCapture } from './capture.js';
import { MAX_FRAMES_PER_SECOND, MAX_LISTENED_NICS, MAX_NEIGHBOURS_PER_NIC } from './limits.js';
import { NeighbourTable } from './neighbour-table.js';
import type { PcapRecord } from './pcap.js';
import { decodeLldpFrame } from './tlv.js';

const NET = '/sys/class/net';
const IFF_UP = 0x1;
/** How often the NICs are listed again, to follow NICs that come up, go down or appear. */
const RESCAN_INTERVAL_MS = 30_000;
/** At most one log line per NIC and this interval about skipped frames, however many there are. */
const SKIP_LOG_INTERVAL_MS = 30_000;
const WAIT_POLL_MS = 100;

export interface ListenerOptions {
  hostFs: HostFs;
  log: Logger;
  /** Listen on these NICs (when up) instead of every physical one. */
  interfaces?: readonly string[];
  /** The capture program; tests give a stand-in. */
  captureProgram?: string;
}

interface NicState {
  capture: NicCapture;
  windowStartMs: number;
  framesInWindow: number;
  skipped: number;
  lastSkipReason: string;
  lastSkipLogMs: number;
}

export class LldpListener {
  private readonly nics = new Map<string, NicState>();
  private readonly table = new NeighbourTable();
  private rescanTimer: NodeJS.Timeout | undefined;
  private firstScan: Promise<void> = Promise.resolve();
  private startedAtMs = 0;
  private stopped = false;

  constructor(private readonly options: ListenerOptions) {}

  start(): void {
    this.startedAtMs = Date.now();
    this.firstScan = this.rescan();
    this.rescanTimer = setInterval(() => void this.rescan(), RESCAN_INTERVAL_MS);
    this.rescanTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.rescanTimer);
    await Promise.all([...this.nics.values()].map((state) => state.capture.stop()));
    this.nics.clear();
  }

  /** The NICs being listened on. */
  listening(): string[] {
    return [...this.nics.keys()];
  }

  /** What the listener holds now. */
  snapshot(): Map<string, LldpNeighbor[]> {
    return this.table.snapshot(Date.now());
  }

  /**
   * Waits until every NIC listened on has heard a neighbour since the listener started, or
   * `waitMs` has passed, or `signal` fires; then the snapshot.
   */
  async freshView(waitMs: number, signal?: AbortSignal): Promise<Map<string, LldpNeighbor[]>> {
    await this.firstScan;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && !signal?.aborted) {
      const heard = this.table.nicsHeardSince(this.startedAtMs, Date.now());
      if (this.nics.size > 0 && [...this.nics.keys()].every((nic) => heard.has(nic))) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, Math.max(1, deadline - Date.now()))));
    }
    return this.snapshot();
  }

  private async rescan(): Promise<void> {
    if (this.stopped) return;
    let wanted: string[];
    try {
      wanted = await listenableNics(this.options.hostFs, this.options.interfaces);
    } catch (err) {
      this.options.log.warn(`lldp: listing NICs failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.stopped) return;
    const keep = new Set(wanted.slice(0, MAX_LISTENED_NICS));
    if (wanted.length > MAX_LISTENED_NICS) this.options.log.warn(`lldp: ${wanted.length} NICs are up; listening on the first ${MAX_LISTENED_NICS}`);
    for (const [nic, state] of this.nics) {
      if (keep.has(nic)) continue;
      this.nics.delete(nic);
      this.table.forget(nic);
      void state.capture.stop();
    }
    for (const nic of keep) {
      if (this.nics.has(nic)) continue;
      const capture = new NicCapture({ nic, log: this.options.log, program: this.options.captureProgram, onRecord: (record) => this.receive(nic, record) });
      this.nics.set(nic, { capture, windowStartMs: 0, framesInWindow: 0, skipped: 0, lastSkipReason: '', lastSkipLogMs: 0 });
      capture.start();
      this.options.log.info(`lldp: listening for LLDP frames on ${nic}`);
    }
  }

  private receive(nic: string, record: PcapRecord): void {
    const state = this.nics.get(nic);
    if (!state) return;
    const now = Date.now();
    if (now - state.windowStartMs >= 1000) {
      state.windowStartMs = now;
      state.framesInWindow = 0;
    }
    if (++state.framesInWindow > MAX_FRAMES_PER_SECOND) return this.skip(state, nic, `skipped a frame: more than ${MAX_FRAMES_PER_SECOND} frames a second`);
    if (record.originalLength > record.data.length) return this.skip(state, nic, `skipped a frame: ${record.originalLength} bytes, longer than the ${record.data.length} captured`);
    const decoded = decodeLldpFrame(record.data);
    if (!decoded.ok) return this.skip(state, nic, `skipped a frame: ${decoded.reason}`);
    for (const warning of decoded.warnings) this.skip(state, nic, `left out a TLV: ${warning}`);
    const outcome = this.table.observe(nic, decoded.advert, record.timestampMs);
    if (outcome === 'refused') this.skip(state, nic, `refused neighbour ${decoded.advert.chassis_id} port ${decoded.advert.port_id}: the NIC already holds ${MAX_NEIGHBOURS_PER_NIC}`);
  }

  /** Counts a frame (or TLV) not taken; says so in the log at most once per NIC and interval. */
  private skip(state: NicState, nic: string, reason: string): void {
    state.skipped++;
    state.lastSkipReason = reason;
    const now = Date.now();
    if (now - state.lastSkipLogMs < SKIP_LOG_INTERVAL_MS) return;
    this.options.log.warn(`lldp: ${nic}: ${reason}${state.skipped > 1 ? ` (${state.skipped} frames or TLVs not taken since the last report)` : ''}`);
    state.lastSkipLogMs = now;
    state.skipped = 0;
  }
}

/**
 * NICs to listen on: up (administratively) and physical — backed by a device, not under
 * /sys/devices/virtual — or, when a list is given, the NICs of that list that are up.
 */
export async function listenableNics(hostFs: HostFs, only?: readonly string[]): Promise<string[]> {
  const names = only && only.length > 0 ? [...only] : await hostFs.list(NET);
  const checked = await Promise.all(
    names.map(async (name) => {
      const flags = Number.parseInt((await hostFs.readTrimmed(`${NET}/${name}/flags`)) ?? '', 16);
      if (!Number.isFinite(flags) || (flags & IFF_UP) === 0) return undefined;
      if (only && only.length > 0) return name;
      const real = await hostFs.realPath(`${NET}/${name}`);
      return real !== undefined && !real.includes('/virtual/') ? name : undefined;
    }),
  );
  return checked.filter((name): name is string => name !== undefined);
}
