// `make bench`: runs every bench/*.bench.mjs in turn; each prints its own medians. A benchmark that
// misses its target (or fails) is reported and the others still run; the exit code says so at the end.
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
const failed = [];
for (const file of benches) {
  for (const args of VARIANTS[file] ?? [[]]) {
    const name = [file, ...args].join(' ');
    console.log(`\n== ${name}`);
    try {
      execFileSync(process.execPath, [path.join(here, file), ...args], { stdio: 'inherit', timeout: 30 * 60_000 });
    } catch (error) {
      failed.push(`${name} (${error.signal ?? `exit ${error.status}`})`);
    }
  }
}
if (failed.length > 0) {
  console.log(`\nmissed a target or failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
