/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a new temp dir as the `postgres` user,
 * a free loopback port, the unix socket in the same temp dir, started with `pg_ctl`, stopped and
 * removed again afterwards (also when the test file fails or its worker exits). Only clusters made
 * here are ever stopped: everything is addressed by the temp dir this module created.
 *
 * One cluster per test file (`usePostgres()` in the file's top level): initdb + start measure about
 * 1.2 s on this machine, and files that stop or restart their database (outage tests) cannot
 * disturb another file's. Each `createDatabase()` is a fresh database in that cluster.
 */
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runCommand } from '../../src/host/command-runner.js';
import { freePort } from '../../subsystem/support/free-port.js';

/** Debian's postgresql-15 (build/install-deps.sh); INBAND_PG_BIN points elsewhere. */
export const PG_BIN = process.env.INBAND_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PG_USER = 'postgres';
const COMMAND_TIMEOUT_MS = 60_000;

export interface PostgresClusterOptions {
  /** Serve TLS with a new self-signed certificate (its PEM is `caFile`, for sslrootcert). */
  tls?: boolean;
  /** Extra postgresql.conf lines. */
  settings?: Record<string, string | number>;
}

export class PostgresCluster {
  private stopped = false;
  private databases = 0;

  private constructor(
    /** The temp dir holding data/, the socket, the log and (with TLS) the certificate. */
    readonly dir: string,
    readonly port: number,
    readonly caFile: string | undefined,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get logFile(): string {
    return path.join(this.dir, 'postgres.log');
  }

  /** initdb, configure, start. Throws with the server log when it does not come up; removes what it made then. */
  static async start(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'inband-pg-'));
    chownSync(dir, ...postgresIds());
    const cleanupOnExit = () => removeCluster(dir);
    process.once('exit', cleanupOnExit);
    try {
      await asPostgres('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', PG_USER, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
      const caFile = options.tls ? await makeCertificate(dir) : undefined;
      // A port another process takes between freePort() and the bind: try another.
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const cluster = new PostgresCluster(dir, port, caFile);
        cluster.configure(port, options);
        const started = await asPostgres('pg_ctl', ['-D', cluster.dataDir, '-l', cluster.logFile, '-w', '-t', '60', 'start'], { check: false });
        if (started.exitCode === 0) {
          process.removeListener('exit', cleanupOnExit);
          process.once('exit', () => cluster.stopNow());
          return cluster;
        }
        if (attempt >= 3) throw new Error(`pg_ctl start failed: ${started.stderr}\n${readLog(cluster.logFile)}`);
      }
    } catch (error) {
      removeCluster(dir);
      process.removeListener('exit', cleanupOnExit);
      throw error;
    }
  }

  /** postgres://postgres@127.0.0.1:<port>/<database> (TCP, so TLS can be tested too). */
  url(database = 'postgres', params: Record<string, string> = {}): string {
    const query = new URLSearchParams(params).toString();
    return `postgres://${PG_USER}@127.0.0.1:${this.port}/${encodeURIComponent(database)}${query ? `?${query}` : ''}`;
  }

  /** A new empty database; its URL. */
  async createDatabase(prefix = 'test'): Promise<string> {
    const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${++this.databases}`;
    await this.psql(`CREATE DATABASE "${name}"`);
    return this.url(name);
  }

  /** Runs SQL through psql on the socket (for test set-up and inspection, never for input from tests' subjects). */
  async psql(sql: string, database = 'postgres'): Promise<string> {
    const result = await asPostgres('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', this.dir, '-p', String(this.port), '-U', PG_USER, '-d', database, '-c', sql]);
    return result.stdout.trim();
  }

  /** Stops the server (fast shutdown: clients are disconnected) and keeps its files, for restart(). */
  async stopServer(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Starts the server again on the same port, after stopServer(). */
  async startServer(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  /** Stops the server and removes the temp dir. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (existsSync(path.join(this.dataDir, 'postmaster.pid'))) {
      await asPostgres('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], { check: false });
    }
    removeCluster(this.dir);
  }

  log(): string {
    return readLog(this.logFile);
  }

  /** The worker is exiting without afterAll (a crash): SIGQUIT is PostgreSQL's immediate shutdown. */
  private stopNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    removeCluster(this.dir);
  }

  private configure(port: number, options: PostgresClusterOptions): void {
    const settings: Record<string, string | number> = {
      port,
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${this.dir}'`,
      // Durability against power loss is not what these tests examine; kill -9 of a client still is.
      fsync: 'off',
      full_page_writes: 'off',
      max_connections: 200,
      shared_buffers: "'32MB'",
      ...(this.caFile && { ssl: 'on', ssl_cert_file: `'${path.join(this.dir, 'server.crt')}'`, ssl_key_file: `'${path.join(this.dir, 'server.key')}'` }),
      ...options.settings,
    };
    const conf = path.join(this.dataDir, 'postgresql.conf');
    appendFileSync(conf, `\n# inband test cluster\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
  }
}

/** One cluster for the calling test file, started before its tests and destroyed after them. */
export function usePostgres(options: PostgresClusterOptions = {}): { readonly cluster: PostgresCluster } {
  const holder: { cluster?: PostgresCluster } = {};
  beforeAll(async () => {
    holder.cluster = await PostgresCluster.start(options);
  }, 120_000);
  afterAll(async () => {
    await holder.cluster?.destroy();
  }, 60_000);
  return {
    get cluster(): PostgresCluster {
      if (!holder.cluster) throw new Error('usePostgres(): the cluster starts in beforeAll; use it inside tests or hooks');
      return holder.cluster;
    },
  };
}

function postgresIds(): [number, number] {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${PG_USER}:`));
  if (!line) throw new Error(`no ${PG_USER} user: install postgresql-15 (build/install-deps.sh)`);
  const [, , uid, gid] = line.split(':');
  return [Number(uid), Number(gid)];
}

async function asPostgres(tool: string, args: string[], { check = true } = {}) {
  const result = await runCommand('runuser', ['-u', PG_USER, '--', path.join(PG_BIN, tool), ...args], { timeoutMs: COMMAND_TIMEOUT_MS, cwd: '/' });
  if (check && result.exitCode !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.exitCode}): ${result.stderr || result.stdout}`);
  return result;
}

async function makeCertificate(dir: string): Promise<string> {
  const crt = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  const made = await runCommand(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', crt],
    { timeoutMs: COMMAND_TIMEOUT_MS },
  );
  if (made.exitCode !== 0) throw new Error(`openssl: ${made.stderr}`);
  const [uid, gid] = postgresIds();
  chownSync(crt, uid, gid);
  chownSync(key, uid, gid);
  // The server refuses a key file others can read.
  chmodSync(key, 0o600);
  return crt;
}

/** Kills the postmaster of the cluster in `dir` (if running) and removes the directory. Synchronous: also used on exit. */
function removeCluster(dir: string): void {
  const pidFile = path.join(dir, 'data', 'postmaster.pid');
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // not running
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-4000);
  } catch {
    return '';
  }
}
