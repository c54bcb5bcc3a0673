import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { LocalChangeFeed, type Change, type ChangeListener } from '../live/change-feed.js';
import { LEASES, type Coordination, type LeasedWork, type LeaseName } from './coordination.js';
import { decodeChange, encodeChange, encodeOrigin } from './wire-change.js';

/** The NOTIFY channel every replica listens on. */
export const CHANGES_CHANNEL = 'inband_changes';
/**
 * How often a replica without a lease tries to take it, and a holder checks it still has its
 * connection. A holder killed outright loses its session (and so its advisory locks) as soon as
 * the database sees the socket close; the next try then takes the lease: at most this long.
 */
export const LEASE_RETRY_MS = 3_000;
/** A query on the coordination connection that takes longer than this counts as a lost connection. */
const QUERY_TIMEOUT_MS = 5_000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;
/** Changes waiting to be sent; beyond this the others are told to resync instead. */
const MAX_OUTGOING = 10_000;

export interface PostgresCoordinationOptions {
  /** How to reach the database (the store's URL, TLS included). */
  client: pg.ClientConfig;
  log: { info(message: string, meta?: object): void; warn(message: string, meta?: object): void };
  leaseRetryMs?: number;
}

interface LeaseState {
  name: LeaseName;
  key: bigint;
  held: boolean;
  stopped: boolean;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  intervalMs: number;
  work: () => Promise<void>;
  lastRunAt: number;
}

/**
 * Replicas on one PostgreSQL: changes travel as NOTIFY on one channel (each replica LISTENs on a
 * connection of its own, outside the store's pool), and leases are session advisory locks taken
 * on that same connection, so a replica that dies or loses the database loses its leases with it.
 */
export class PostgresCoordination implements Coordination {
  readonly replicaId = randomUUID();
  readonly shared = true;
  private readonly listeners = new LocalChangeFeed();
  private outgoing: string[] = [];
  private sending = false;
  private readonly leases = new Map<LeaseName, LeaseState>();
  private client?: pg.Client;
  private connecting?: Promise<void>;
  private closed = false;
  private everConnected = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly leaseRetryMs: number;

  constructor(private readonly options: PostgresCoordinationOptions) {
    this.leaseRetryMs = options.leaseRetryMs ?? LEASE_RETRY_MS;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await Promise.all([...this.leases.values()].map((lease) => this.stopLease(lease)));
    const client = this.client;
    this.client = undefined;
    // Ending the session gives every advisory lock back at once.
    await client?.end().catch(() => {});
  }

  /** To this replica's listeners at once; to the others as soon as the connection allows, in order. */
  publish(change: Change): void {
    this.listeners.publish(change, 'local');
    if (this.outgoing.length >= MAX_OUTGOING) {
      this.outgoing = [encodeChange({ kind: 'resync' }, this.replicaId)];
    } else {
      this.outgoing.push(encodeChange(change, this.replicaId));
    }
    void this.send();
  }

  private async send(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.outgoing.length > 0 && this.client) {
        const client = this.client;
        // One round trip for everything waiting: NOTIFYs of one transaction arrive in order.
        const batch = this.outgoing.splice(0, 100);
        try {
          await this.query(client, 'SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS t(payload, n) ORDER BY n', [CHANGES_CHANNEL, batch]);
        } catch (error) {
          // Lost with the connection: on reconnect the others are told to resync.
          this.outgoing = [];
          this.options.log.warn('could not tell the other replicas about changes', { error: (error as Error).message });
        }
      }
    } finally {
      this.sending = false;
    }
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.subscribe(listener);
  }

  runLeased(name: LeaseName, intervalMs: number, work: () => Promise<void>): LeasedWork {
    if (this.leases.has(name)) throw new Error(`lease ${name} is already in use by this replica`);
    const lease: LeaseState = { name, key: LEASES[name], held: false, stopped: false, intervalMs, work, lastRunAt: 0 };
    this.leases.set(name, lease);
    this.scheduleLease(lease, 0);
    return {
      get held() {
        return lease.held;
      },
      stop: () => this.stopLease(lease),
    };
  }

  // ---- the connection

  private connect(): Promise<void> {
    this.connecting ??= this.openClient().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async openClient(): Promise<void> {
    const client = new pg.Client({ ...this.options.client, keepAlive: true, application_name: `inband coordination ${this.replicaId.slice(0, 8)}` });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection closed')));
    // encodeChange puts the origin first: this replica's own changes, which LISTEN hands back
    // too, are skipped without parsing them.
    const ownPayload = encodeOrigin(this.replicaId);
    client.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL || !message.payload || message.payload.startsWith(ownPayload)) return;
      const decoded = decodeChange(message.payload);
      if (decoded && decoded.origin !== this.replicaId) this.listeners.publish(decoded.change, 'remote');
    });
    await client.connect();
    // A NOTIFY commits a transaction of its own; waiting for its WAL flush buys nothing, since
    // changes are best effort (a replica that misses some resyncs), so this session does not.
    await this.query(client, 'SET synchronous_commit = off');
    await this.query(client, `LISTEN ${CHANGES_CHANNEL}`);
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    const reconnected = this.everConnected;
    this.client = client;
    this.everConnected = true;
    this.reconnectDelay = RECONNECT_MIN_MS;
    if (reconnected) {
      // What the others announced while this replica was not listening is lost to it, and what it
      // announced meanwhile never reached them: both sides re-read.
      this.listeners.publish({ kind: 'resync' }, 'remote');
      this.outgoing = [encodeChange({ kind: 'resync' }, this.replicaId)];
    }
    void this.send();
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
    for (const lease of this.leases.values()) {
      if (lease.held) this.options.log.warn(`gave up the ${lease.name} lease: lost the database connection`, { error: error.message });
      lease.held = false;
    }
    if (this.closed) return;
    this.options.log.warn('lost the coordination connection to the database; reconnecting', { error: error.message });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2);
        this.options.log.warn('database still unreachable for coordination', { error: (error as Error).message });
        this.scheduleReconnect();
      });
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
  }

  private async query(client: pg.Client, text: string, values?: unknown[]): Promise<pg.QueryResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`coordination query timed out after ${QUERY_TIMEOUT_MS} ms`));
        // A connection that does not answer is as good as lost: drop it (and its leases).
        this.lost(client, new Error('query timed out'));
      }, QUERY_TIMEOUT_MS);
    });
    try {
      return await Promise.race([client.query(text, values), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- leases

  private scheduleLease(lease: LeaseState, delayMs: number): void {
    if (lease.stopped || this.closed) return;
    lease.timer = setTimeout(() => {
      lease.running = this.leaseTick(lease).finally(() => {
        lease.running = undefined;
        const untilWork = lease.held ? Math.max(0, lease.lastRunAt + lease.intervalMs - Date.now()) : this.leaseRetryMs;
        this.scheduleLease(lease, Math.min(untilWork, this.leaseRetryMs));
      });
    }, delayMs);
    lease.timer.unref();
  }

  private async leaseTick(lease: LeaseState): Promise<void> {
    const client = this.client;
    if (!client) {
      lease.held = false;
      return;
    }
    try {
      if (!lease.held) {
        const taken = await this.query(client, 'SELECT pg_try_advisory_lock($1::bigint) AS taken', [lease.key.toString()]);
        if (taken.rows[0]?.taken === true && this.client === client) {
          lease.held = true;
          this.options.log.info(`took the ${lease.name} lease`, { replica: this.replicaId });
        }
      } else {
        // Still our session? A dead connection loses the lock on the server's side.
        await this.query(client, 'SELECT 1');
      }
    } catch (error) {
      lease.held = false;
      this.options.log.warn(`lease ${lease.name}: ${(error as Error).message}`);
      return;
    }
    if (!lease.held || this.client !== client) return;
    if (Date.now() - lease.lastRunAt < lease.intervalMs) return;
    lease.lastRunAt = Date.now();
    try {
      await lease.work();
    } catch (error) {
      this.options.log.warn(`${lease.name} failed`, { error: (error as Error).message });
    }
  }

  private async stopLease(lease: LeaseState): Promise<void> {
    lease.stopped = true;
    clearTimeout(lease.timer);
    await lease.running;
    this.leases.delete(lease.name);
    if (lease.held && this.client) {
      lease.held = false;
      await this.query(this.client, 'SELECT pg_advisory_unlock($1::bigint)', [lease.key.toString()]).catch(() => {});
    }
  }
}

