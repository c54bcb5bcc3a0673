// `make record-fixtures`: bundles test/fixtures/record-hosts.ts (it uses the TypeScript netns helpers
// of subsystem/support) and runs it. See that file for what it records; HOSTS="a b" picks hosts.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outfile = path.join(root, '.build', 'record-hosts.mjs');
mkdirSync(path.dirname(outfile), { recursive: true });
await build({
  entryPoints: [path.join(root, 'test/fixtures/record-hosts.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
execFileSync(process.execPath, [outfile], { stdio: 'inherit', timeout: 10 * 60_000, env: { ...process.env, INBAND_REPO_ROOT: root } });
