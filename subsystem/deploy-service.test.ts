/**
 * deploy/service and deploy/cluster are what a site installs; a typo there is found by the site, at
 * boot, so they are checked here against the tools that will read them: systemd-analyze for the
 * unit, HAProxy for its configuration, and the packaged binary's own `serve --help` for every flag
 * the pod passes.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { BINARY, ROOT } from './support/build.js';
import { verifyUnits } from './support/boot/systemd-verify.js';
import { tempDir } from '../test/support/temp-dir.js';

const run = promisify(execFile);
const SERVICE_DIR = path.join(ROOT, 'deploy/service');
const CLUSTER_DIR = path.join(ROOT, 'deploy/cluster');

interface KubeContainer {
  name: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  livenessProbe?: { httpGet?: { path: string; port: number } };
  readinessProbe?: { httpGet?: { path: string; port: number } };
}
interface KubeDoc {
  kind: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: { containers: KubeContainer[] };
}

async function clusterDocs(): Promise<KubeDoc[]> {
  return yaml.loadAll(await fs.readFile(path.join(CLUSTER_DIR, 'inband-cluster.yaml'), 'utf8')) as KubeDoc[];
}

function flagValue(argv: string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
}

describe('deploy/service', () => {
  it('inband-serve.service passes systemd-analyze verify with the packaged binary in place', async () => {
    const scratch = tempDir('deploy');
    const root = path.join(scratch, 'unit-root');
    await fs.mkdir(path.join(root, 'etc/systemd/system'), { recursive: true });
    await fs.mkdir(path.join(root, 'usr/local/bin'), { recursive: true });
    await fs.copyFile(path.join(SERVICE_DIR, 'inband-serve.service'), path.join(root, 'etc/systemd/system/inband-serve.service'));
    await fs.link(BINARY, path.join(root, 'usr/local/bin/inband')).catch(() => fs.copyFile(BINARY, path.join(root, 'usr/local/bin/inband')));
    const verified = await verifyUnits(root, ['inband-serve.service'], scratch);
    expect(verified.output).not.toMatch(/inband-serve\.service:\d+:/);
    expect(verified.code, verified.output).toBe(0);
  });

  it('the unit starts serve with flags the binary has, and names the env file the example documents', async () => {
    const unit = await fs.readFile(path.join(SERVICE_DIR, 'inband-serve.service'), 'utf8');
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
    expect(execStart.slice(0, 2)).toEqual(['/usr/local/bin/inband', 'serve']);
    const { stdout: help } = await run(BINARY, ['serve', '--help'], { timeout: 30_000 });
    for (const flag of execStart.filter((word) => word.startsWith('--'))) expect(help).toContain(flag);
    expect(unit).toContain('EnvironmentFile=-/etc/inband/serve.env');
    const example = await fs.readFile(path.join(SERVICE_DIR, 'serve.env.example'), 'utf8');
    for (const name of ['INBAND_DATABASE_URL', 'INBAND_ADMIN_TOKEN', 'INBAND_PUBLIC_URL']) expect(example).toContain(`${name}=`);
  });
});

describe('deploy/cluster', () => {
  it('haproxy.cfg is valid for HAProxy and the pod carries it verbatim', async () => {
    const cfg = path.join(CLUSTER_DIR, 'haproxy.cfg');
    const { stdout, stderr } = await run('haproxy', ['-c', '-f', cfg], { timeout: 30_000 });
    expect(`${stdout}${stderr}`).toMatch(/Configuration file is valid/);
    const configMap = (await clusterDocs()).find((doc) => doc.kind === 'ConfigMap');
    expect(configMap?.data?.['haproxy.cfg']).toBe(await fs.readFile(cfg, 'utf8'));
  });

  it('every replica runs serve with known flags on the port HAProxy checks, with the same database and operator token', async () => {
    const docs = await clusterDocs();
    const containers = docs.find((doc) => doc.kind === 'Pod')?.spec?.containers ?? [];
    const replicas = containers.filter((c) => c.command?.[0] === 'inband');
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    const { stdout: help } = await run(BINARY, ['serve', '--help'], { timeout: 30_000 });
    const cfg = await fs.readFile(path.join(CLUSTER_DIR, 'haproxy.cfg'), 'utf8');
    const backendPorts = [...cfg.matchAll(/^\s*server\s+\S+\s+127\.0\.0\.1:(\d+)\s+check/gm)].map((m) => Number(m[1]));
    expect(cfg).toMatch(/option httpchk GET \/readyz/);
    const secretKeys = (name: string) => replicas.map((c) => c.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef.key);
    for (const replica of replicas) {
      const argv = replica.command as string[];
      expect(argv[1]).toBe('serve');
      for (const flag of argv.filter((word) => word.startsWith('--'))) expect(help).toContain(flag);
      const port = Number(flagValue(argv, '--listen')?.split(':').pop());
      expect(backendPorts).toContain(port);
      expect(replica.readinessProbe?.httpGet).toEqual({ path: '/readyz', port });
      expect(replica.livenessProbe?.httpGet).toEqual({ path: '/healthz', port });
    }
    expect(new Set(backendPorts).size).toBe(replicas.length);
    for (const name of ['INBAND_DATABASE_URL', 'INBAND_ADMIN_TOKEN']) {
      const keys = secretKeys(name);
      expect(keys[0]).toBeTruthy();
      expect(new Set(keys).size).toBe(1);
    }
    const secret = docs.find((doc) => doc.kind === 'Secret')?.stringData ?? {};
    expect(secret['database-url']).toMatch(/^postgres:\/\/.*@127\.0\.0\.1:5432\//);
  });
});
