/**
 * A process that migrates the database of argv[2] and prints what it applied, for the test of
 * replicas starting at once (postgres-store.test.ts). Not part of the service.
 */
import pg from 'pg';
import { migratePostgres } from './pg-migrations.js';

const url = process.argv[2];
if (!url) throw new Error('usage: pg-migrate.child <database-url>');
const pool = new pg.Pool({ connectionString: url, max: 2 });
// All start together: wait for the go signal on stdin, so the processes' start-up times do not stagger them.
process.stdin.once('data', () => {
  migratePostgres(pool, url)
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exitCode = 1;
    })
    .finally(() => pool.end());
});
