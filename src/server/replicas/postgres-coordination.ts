import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ChangeListeners, LEASES, parseChange, type Change, type ChangeListener, type Coordination, type LeasedWork, type LeaseName } from './coordination.js';

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
  private readonly listeners: ChangeListeners;
  private readonly leases = new Map<LeaseName, LeaseState>();
  private client?: pg.Client;
  private connecting?: Promise<void>;
  private closed = false;
  private everConnected = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly leaseRetryMs: number;

  constructor(private readonly options: PostgresCoordinationOptions) {
    this.listeners = new ChangeListeners((error) => options.log.warn('a change listener failed', { error: (error as Error).message }));
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

  async announce(change: Change): Promise<void> {
    this.listeners.emit(change, 'local');
    const client = this.client;
    if (!client) return; // resync on reconnect covers what the others miss meanwhile
    const payload = JSON.stringify({ ...change, origin: this.replicaId });
    await this.query(client, 'SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, payload]).catch((error: unknown) => {
      this.options.log.warn('could not announce a change to the other replicas', { error: (error as Error).message });
    });
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
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
    client.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL || !message.payload) return;
      const origin = originOf(message.payload);
      if (origin === this.replicaId) return;
      const change = parseChange(message.payload);
      if (change) this.listeners.emit(change, 'remote');
    });
    await client.connect();
    await this.query(client, `LISTEN ${CHANGES_CHANNEL}`);
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    const reconnected = this.everConnected;
    this.client = client;
    this.everConnected = true;
    this.reconnectDelay = RECONNECT_MIN_MS;
    // Whatever was announced while this replica was not listening is lost to it.
    if (reconnected) this.listeners.emit({ kind: 'resync' }, 'local');
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

function originOf(payload: string): string | undefined {
  const match = /"origin":"([0-9a-f-]{36})"/.exec(payload);
  return match?.[1];
}
