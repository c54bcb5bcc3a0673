// A throwaway PostgreSQL for `make run-cluster` and the benchmarks (plain node, no TypeScript):
// initdb into a new temp dir as the postgres user, started with pg_ctl on loopback, stopped with
// `-m immediate` and its dir removed by destroy(), also when the process exits first. Only the
// cluster in the dir made here is ever stopped. The tests have their own (test/support/postgres.ts).
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PG_BIN = process.env.INBAND_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const COMMAND_TIMEOUT_MS = 60_000;

export class ThrowawayPostgres {
  constructor(dir, port, netns) {
    this.dir = dir;
    this.port = port;
    this.netns = netns;
    this.stopped = false;
  }

  /**
   * `port` on 127.0.0.1; `netns`: run the server inside that network namespace; `settings`: extra
   * postgresql.conf lines (e.g. shared_preload_libraries for pg_stat_statements).
   */
  static async start({ port, netns, settings = {} }) {
    const dir = mkdtempSync(path.join(tmpdir(), 'inband-throwaway-pg-'));
    const cluster = new ThrowawayPostgres(dir, port, netns);
    const removeOnExit = () => cluster.removeNow();
    process.once('exit', removeOnExit);
    try {
      chownSync(dir, ...postgresIds());
      await cluster.pg('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
      const conf = { port, listen_addresses: "'127.0.0.1'", unix_socket_directories: `'${dir}'`, max_connections: 100, ...settings };
      appendFileSync(path.join(cluster.dataDir, 'postgresql.conf'), `\n# throwaway cluster\n${Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
      await cluster.pg('pg_ctl', ['-D', cluster.dataDir, '-l', cluster.logFile, '-w', '-t', '60', 'start']);
      return cluster;
    } catch (error) {
      cluster.removeNow();
      throw new Error(`${error.message}\n${cluster.log()}`);
    }
  }

  get dataDir() {
    return path.join(this.dir, 'data');
  }

  get logFile() {
    return path.join(this.dir, 'postgres.log');
  }

  url(database) {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name) {
    await this.psql(`CREATE DATABASE "${name}"`);
    return this.url(name);
  }

  /** One SQL command through psql on the cluster's unix socket; the output unaligned, tuples only. */
  async psql(sql, database = 'postgres') {
    return (await this.pg('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', this.dir, '-p', String(this.port), '-U', 'postgres', '-d', database, '-c', sql])).trim();
  }

  log() {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  async destroy() {
    if (this.stopped) return;
    this.stopped = true;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }

  /** Synchronous last resort on exit: SIGQUIT is PostgreSQL's immediate shutdown. */
  removeNow() {
    if (this.stopped) return;
    this.stopped = true;
    try {
      const pid = Number(readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  async pg(tool, args) {
    const command = ['runuser', '-u', 'postgres', '--', path.join(PG_BIN, tool), ...args];
    const [file, argv] = this.netns ? ['ip', ['netns', 'exec', this.netns, ...command]] : [command[0], command.slice(1)];
    const { stdout } = await run(file, argv, { timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL', cwd: '/', maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  }
}

function postgresIds() {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user: install postgresql-15 (build/install-deps.sh)');
  const [, , uid, gid] = line.split(':');
  return [Number(uid), Number(gid)];
}
