import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresCluster, usePostgres } from './postgres.js';

const pgSupport = usePostgres();

describe('test/support/postgres: a throwaway cluster', () => {
  it('serves a new database per createDatabase() on loopback, from a temp dir of its own', async () => {
    const { cluster } = pgSupport;
    const a = await cluster.createDatabase('a');
    const b = await cluster.createDatabase('b');
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^postgres://postgres@127\\.0\\.0\\.1:${cluster.port}/a_\\d+_\\d+$`));
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; dir: string }>("SELECT current_database() AS db, current_setting('data_directory') AS dir");
      expect(rows[0]?.db).toBe(new URL(a).pathname.slice(1));
      expect(rows[0]?.dir).toBe(cluster.dataDir);
      expect(cluster.dataDir.startsWith(path.join(cluster.dir, ''))).toBe(true);
    } finally {
      await client.end();
    }
    // The unix socket lives in the temp dir too.
    expect(existsSync(path.join(cluster.dir, `.s.PGSQL.${cluster.port}`))).toBe(true);
  });

  it('serves TLS with its own certificate when asked, and destroy() stops the server and removes everything', async () => {
    const cluster = await PostgresCluster.start({ tls: true });
    try {
      const client = new pg.Client({ connectionString: cluster.url(), ssl: { ca: readFileSync(cluster.caFile as string, 'utf8') } });
      await client.connect();
      try {
        const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        expect(rows[0]?.ssl).toBe(true);
      } finally {
        await client.end();
      }
    } finally {
      await cluster.destroy();
    }
    expect(existsSync(cluster.dir)).toBe(false);
    const after = new pg.Client({ connectionString: cluster.url(), connectionTimeoutMillis: 2000 });
    await expect(after.connect()).rejects.toThrow(/ECONNREFUSED/);
  });
});
