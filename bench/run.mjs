// `make bench`: runs every bench/*.bench.mjs in turn; each prints its own medians.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const only = process.argv[2];
const benches = readdirSync(here).filter((f) => f.endsWith('.bench.mjs') && (!only || f.includes(only))).sort();
if (benches.length === 0) {
  console.log('no benchmarks found');
}
for (const file of benches) {
  console.log(`\n== ${file}`);
  execFileSync(process.execPath, [path.join(here, file)], { stdio: 'inherit', timeout: 30 * 60_000 });
}
