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
// Benchmarks run more than once, each time with other arguments.
const VARIANTS = {
  'service.bench.mjs': [[], ['--postgres'], ['--postgres', '--replicas', '2']],
};
for (const file of benches) {
  for (const args of VARIANTS[file] ?? [[]]) {
    console.log(`\n== ${[file, ...args].join(' ')}`);
    execFileSync(process.execPath, [path.join(here, file), ...args], { stdio: 'inherit', timeout: 30 * 60_000 });
  }
}
