import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ALL_TOOLS } from '../src/cli/tools.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
const podman = ['/usr/bin/podman', '/usr/local/bin/podman'].find((p) => existsSync(p));
const tag = `localhost/inband-scratch-test:${process.pid}`;
let context = '';
let exported: { mode: string; name: string; target?: string; size: number }[] = [];

describe.skipIf(!podman)('container image (FROM scratch variant, built with podman)', () => {
  beforeAll(async () => {
    if (!existsSync(path.join(dist, 'inband'))) await run(process.execPath, [path.join(root, 'build/bundle.mjs')], { timeout: 120_000 });
    context = mkdtempSync(path.join(tmpdir(), 'inband-image-'));
    mkdirSync(path.join(context, 'usr/bin'), { recursive: true });
    cpSync(dist, path.join(context, 'usr/bin'), { recursive: true, verbatimSymlinks: true });
    rmSync(path.join(context, 'usr/bin/inband.cjs'));
    await run(podman as string, ['build', '-q', '-t', tag, '-f', path.join(root, 'build/scratch.Containerfile'), context], { timeout: 180_000 });
    const { stdout: id } = await run(podman as string, ['create', tag], { timeout: 60_000 });
    try {
      const { stdout } = await run('sh', ['-c', `"$0" export "$1" | tar -tvf -`, podman as string, id.trim()], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
      exported = stdout
        .trim()
        .split('\n')
        .map((line) => {
          const parts = line.split(/\s+/);
          const [name, , target] = parts.slice(5);
          return { mode: parts[0] ?? '', size: Number(parts[2]), name: name ?? '', target };
        });
    } finally {
      await run(podman as string, ['rm', '-f', id.trim()], { timeout: 60_000 });
    }
  }, 300_000);

  afterAll(async () => {
    if (podman) await run(podman, ['rmi', '-f', tag], { timeout: 60_000 }).catch(() => undefined);
    if (context) rmSync(context, { recursive: true, force: true });
  });

  it('holds the single executable at /usr/bin/inband, executable, byte for byte the size of dist/inband', () => {
    const binary = exported.find((e) => e.name === 'usr/bin/inband');
    expect(binary?.mode).toMatch(/^-rwxr-xr-x/);
    expect(binary?.size).toBe(statSync(path.join(dist, 'inband')).size);
  });

  it('has a symlink to inband for every tool name, and nothing else', () => {
    const links = exported.filter((e) => e.mode.startsWith('l'));
    expect(links.map((l) => l.name.replace('usr/bin/', '')).sort()).toEqual(ALL_TOOLS.map((t) => t.name).sort());
    for (const link of links) expect(link.target).toBe('inband');
  });

  it('defaults to printing the help, like the real image', async () => {
    const { stdout } = await run(podman as string, ['image', 'inspect', tag, '--format', '{{json .Config.Cmd}}'], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual(['inband', '--help']);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const installDeps = readFileSync(path.join(root, 'build/install-deps.sh'), 'utf8');

  it('installs in the runtime stage every host tool package the project installs for itself', () => {
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const listed = (/packages=\(\n([\s\S]*?)\n\)/.exec(installDeps)?.[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/#.*/, ''))
      .join(' ')
      .split(/\s+/)
      .filter(Boolean);
    // Test-only packages: a DHCP server, process tools, the container/TLS tooling of the tests, and
    // what the boot emulation's discovery host uses (curl for the fetch step, ssh-keygen for a key).
    // The service's own test dependencies too: PostgreSQL, the load balancer of the replica tests,
    // the console's browser.
    const testOnly = new Set(['dnsmasq-base', 'procps', 'openssl', 'curl', 'openssh-client', 'haproxy', 'postgresql-15', 'chromium']);
    const needed = listed.filter((p) => !testOnly.has(p));
    expect(needed.length).toBeGreaterThan(10);
    for (const pkg of needed) expect(runtimeStage, `runtime stage lacks ${pkg}`).toMatch(new RegExp(`\\s${pkg}(\\s|$)`));
  });

  it('copies the build stage\'s binary and symlinks into /usr/bin', () => {
    expect(dockerfile).toContain('node build/bundle.mjs');
    expect(dockerfile).toMatch(/COPY --from=build \/out\/ \//);
    expect(dockerfile).toMatch(/cp -a dist\/\. \/out\/usr\/bin\//);
  });
});
