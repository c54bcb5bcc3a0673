import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { ignitionErrors } from '../../../test/support/ignition-schema.js';
import { makeInfraEnv } from '../domain/test-support.js';
import { agentUnit } from './agent-unit.js';
import { discoveryCloudConfig } from './cloud-init.js';
import { HOST_PATHS, type DiscoveryContext } from './context.js';
import { discoveryIgnition } from './ignition.js';
import { discoveryIpxeScript } from './ipxe.js';
import { environmentLine, systemdCommand, systemdWord } from './quote.js';
import { DiscoveryFiles } from './discovery-files.js';

const SHA256 = 'a'.repeat(64);
const SHA512 = 'b'.repeat(128);
const CA = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm7lab operator@example.com';

function context(overrides: Partial<DiscoveryContext> = {}): DiscoveryContext {
  return {
    infraEnvId: '0c1e5a52-7a0e-4c2b-9a53-2b1f5d7f0c11',
    agentToken: 'agent-token-1',
    serviceUrl: 'https://ai.example.com:8090',
    delivery: {
      kind: 'binary',
      url: 'https://ai.example.com:8090/api/assisted-install/v2/agent-binaries/x86_64/inband',
      gzipUrl: 'https://ai.example.com:8090/api/assisted-install/v2/agent-binaries/x86_64/inband.gz',
      sha256: SHA256,
      sha512: SHA512,
    },
    sshAuthorizedKeys: [KEY],
    serviceCaPem: CA,
    ...overrides,
  };
}

type IgnitionFile = { path: string; mode: number; contents: { source: string; compression?: string; verification?: { hash: string } } };
type Ignition = {
  ignition: { version: string; security?: { tls: { certificateAuthorities: { source: string }[] } }; proxy?: Record<string, unknown> };
  passwd?: { users: { name: string; sshAuthorizedKeys: string[] }[] };
  storage: { files: IgnitionFile[] };
  systemd: { units: { name: string; enabled: boolean; contents: string }[] };
};

const decode = (source: string): string => {
  const match = /^data:;base64,(.*)$/.exec(source);
  if (!match) throw new Error(`not a base64 data URL: ${source.slice(0, 40)}`);
  return Buffer.from(match[1] as string, 'base64').toString('utf8');
};

describe('discovery.ign', () => {
  it('is a valid Ignition 3.2 config (v3.4 schema, no unknown keys) with the agent, its token file, the CA and the SSH key', () => {
    const config = discoveryIgnition(context()) as unknown as Ignition;
    expect(ignitionErrors(config)).toEqual([]);
    expect(config.ignition.version).toBe('3.2.0');
    const files = new Map(config.storage.files.map((f) => [f.path, f]));
    // Ignition fetches the gzip form and checks the decompressed bytes.
    expect(files.get(HOST_PATHS.agent)).toEqual({
      path: HOST_PATHS.agent,
      mode: 0o755,
      overwrite: true,
      contents: { source: context().delivery.kind === 'binary' ? (context().delivery as { gzipUrl: string }).gzipUrl : '', compression: 'gzip', verification: { hash: `sha512-${SHA512}` } },
    });
    const env = files.get(HOST_PATHS.environment);
    expect(env?.mode).toBe(0o600);
    expect(decode(env?.contents.source ?? '')).toBe('PULL_SECRET_TOKEN="agent-token-1"\n');
    expect(decode(files.get(HOST_PATHS.coreosTrustAnchor)?.contents.source ?? '')).toBe(CA);
    expect(decode(files.get(HOST_PATHS.serviceCa)?.contents.source ?? '')).toBe(CA);
    expect(decode(config.ignition.security?.tls.certificateAuthorities[0]?.source ?? '')).toBe(CA);
    expect(config.passwd?.users).toEqual([{ name: 'core', sshAuthorizedKeys: [KEY] }]);
    expect(config.systemd.units).toEqual([{ name: 'agent.service', enabled: true, contents: agentUnit(context()) }]);
    // The token only ever sits in the 0600 file.
    expect(config.systemd.units[0]?.contents).not.toContain('agent-token-1');
  });

  it('runs the agent with upstream restart rules and the infra-env URL, ID and CA', () => {
    const unit = agentUnit(context({ agentVersion: 'quay.io/example/inband:1.0' }));
    expect(unit).toContain('\nRestart=always\nRestartSec=3\n');
    expect(unit).toContain('StartLimitIntervalSec=0');
    expect(unit).toContain(`EnvironmentFile=${HOST_PATHS.environment}\n`);
    expect(unit).toContain(`ExecStartPre=${HOST_PATHS.fetchAgent} https://ai.example.com:8090/api/assisted-install/v2/agent-binaries/x86_64/inband ${SHA256} ${HOST_PATHS.agent} ${HOST_PATHS.serviceCa}\n`);
    expect(unit).toContain(
      `ExecStart=${HOST_PATHS.agent} agent --url https://ai.example.com:8090 --infra-env-id 0c1e5a52-7a0e-4c2b-9a53-2b1f5d7f0c11 --agent-version quay.io/example/inband:1.0 --insecure=false --cacert ${HOST_PATHS.serviceCa}\n`,
    );
  });

  it('runs the agent image through podman when asked, passing the token by name', () => {
    const ctx = context({ delivery: { kind: 'podman', image: 'quay.io/example/inband:1.0' }, serviceCaPem: undefined, sshAuthorizedKeys: [] });
    const config = discoveryIgnition(ctx) as unknown as Ignition;
    expect(ignitionErrors(config)).toEqual([]);
    expect(config.storage.files.map((f) => f.path)).toEqual([HOST_PATHS.environment]);
    expect(config.passwd).toBeUndefined();
    expect(config.ignition.security).toBeUndefined();
    const unit = config.systemd.units[0]?.contents ?? '';
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/podman run --rm --replace --name inband-agent --privileged .* --env PULL_SECRET_TOKEN quay\.io\/example\/inband:1\.0 agent --url https:\/\/ai\.example\.com:8090 --infra-env-id \S+ --agent-version quay\.io\/example\/inband:1\.0 --insecure=false --host-root \/host$/m);
    expect(unit).toContain('ExecStop=/usr/bin/podman stop --ignore --time 10 inband-agent');
    expect(unit).not.toContain('ExecStartPre');
  });

  it('carries the infra-env proxy to Ignition and to the agent environment (both spellings)', () => {
    const ctx = context({ proxy: { httpProxy: 'http://proxy.example.com:3128', noProxy: '.example.com, 192.0.2.0/24' } });
    const config = discoveryIgnition(ctx) as unknown as Ignition;
    expect(ignitionErrors(config)).toEqual([]);
    expect(config.ignition.proxy).toEqual({ httpProxy: 'http://proxy.example.com:3128', noProxy: ['.example.com', '192.0.2.0/24'] });
    const env = decode(config.storage.files.find((f) => f.path === HOST_PATHS.environment)?.contents.source ?? '');
    expect(env.split('\n')).toEqual([
      'PULL_SECRET_TOKEN="agent-token-1"',
      'HTTP_PROXY="http://proxy.example.com:3128"',
      'http_proxy="http://proxy.example.com:3128"',
      'NO_PROXY=".example.com, 192.0.2.0/24"',
      'no_proxy=".example.com, 192.0.2.0/24"',
      '',
    ]);
  });

  it('the strict check catches a misspelt key the schema itself lets through', () => {
    const config = discoveryIgnition(context()) as unknown as Record<string, any>;
    config.systemd.units[0].enabeld = true;
    expect(ignitionErrors(config, { strict: false })).toEqual([]);
    expect(ignitionErrors(config).join()).toMatch(/additionalProperty.*enabeld/);
  });
});

describe('cloud-init user-data', () => {
  it('writes the same files and unit, trusts the CA, keys the default user, and enables the unit without blocking', () => {
    const text = discoveryCloudConfig(context());
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const config = yaml.load(text) as {
      ssh_authorized_keys: string[];
      ca_certs: { trusted: string[] };
      write_files: { path: string; permissions: string; owner: string; content: string }[];
      runcmd: string[][];
    };
    expect(config.ssh_authorized_keys).toEqual([KEY]);
    expect(config.ca_certs.trusted).toEqual([CA]);
    const files = new Map(config.write_files.map((f) => [f.path, f]));
    expect(files.get(HOST_PATHS.environment)).toEqual({ path: HOST_PATHS.environment, permissions: '0600', owner: 'root:root', content: 'PULL_SECRET_TOKEN="agent-token-1"\n' });
    expect(files.get(HOST_PATHS.unit)?.content).toBe(agentUnit(context()));
    expect(files.get(HOST_PATHS.fetchAgent)?.permissions).toBe('0755');
    expect(files.has(HOST_PATHS.agent)).toBe(false);
    expect(config.runcmd).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', '--no-block', 'agent.service'],
    ]);
  });
});

describe('iPXE script', () => {
  it('boots the live kernel and initrd with the rootfs and the ignition URL', () => {
    const script = discoveryIpxeScript(
      { kernelUrl: 'http://192.0.2.1/k', initrdUrl: 'http://192.0.2.1/i', rootfsUrl: 'http://192.0.2.1/r', kernelArguments: 'console=ttyS0,115200n8' },
      'http://192.0.2.1:8090/ign?file_name=discovery.ign&api_key=tok',
    );
    expect(script.split('\n')).toEqual([
      '#!ipxe',
      'initrd --name initrd http://192.0.2.1/i',
      'kernel http://192.0.2.1/k initrd=initrd coreos.live.rootfs_url=http://192.0.2.1/r ignition.firstboot ignition.platform.id=metal ignition.config.url=http://192.0.2.1:8090/ign?file_name=discovery.ign&api_key=tok console=ttyS0,115200n8',
      'boot',
      '',
    ]);
  });
});

describe('DiscoveryFiles', () => {
  const infraEnv = makeInfraEnv({ sshAuthorizedKey: `${KEY}\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ second` });

  it('names the flag the service lacks: no binary, no image, no live image (409)', () => {
    const files = new DiscoveryFiles({});
    const status = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (err) {
        return [(err as { status: number }).status, (err as Error).message];
      }
      return 'no error';
    };
    expect(status(() => files.render(infraEnv, 'http://x:1', { file_name: 'discovery.ign' }))).toEqual([409, expect.stringMatching(/--agent-binary PATH/)]);
    expect(status(() => files.render(infraEnv, 'http://x:1', { file_name: 'cloud-init', agent_source: 'podman' }))).toEqual([409, expect.stringMatching(/--agent-image/)]);
    expect(status(() => files.render(infraEnv, 'http://x:1', { file_name: 'ipxe-script' }))).toEqual([409, expect.stringMatching(/--boot-kernel-url/)]);
    expect(status(() => files.render(infraEnv, 'http://x:1', { file_name: 'static-network-config' }))).toEqual([404, expect.stringMatching(/no static network/)]);
  });

  it('hands every SSH key line to the host', () => {
    const ctx = new DiscoveryFiles({ agentImage: 'quay.io/example/inband:1' }).context(infraEnv, 'http://x:1', 'podman');
    expect(ctx.sshAuthorizedKeys).toEqual([KEY, 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ second']);
  });
});

describe('quoting', () => {
  it('leaves plain words alone and quotes, escapes and doubles the rest as systemd reads them', () => {
    expect(systemdWord('/usr/local/bin/inband')).toBe('/usr/local/bin/inband');
    expect(systemdWord('--insecure=false')).toBe('--insecure=false');
    expect(systemdWord('http://h/p?a=1&b=%41')).toBe('"http://h/p?a=1&b=%%41"');
    expect(systemdWord('a b')).toBe('"a b"');
    expect(systemdWord('say "hi" \\ $HOME')).toBe('"say \\"hi\\" \\\\ $$HOME"');
    expect(systemdWord('')).toBe('""');
    expect(() => systemdWord('a\nExecStart=/bin/sh')).toThrow(/control character/);
    expect(systemdCommand(['/bin/echo', 'a b', 'c'])).toBe('/bin/echo "a b" c');
  });

  it('writes EnvironmentFile lines that systemd reads back literally', () => {
    expect(environmentLine('PULL_SECRET_TOKEN', 'abc-_123')).toBe('PULL_SECRET_TOKEN="abc-_123"');
    expect(environmentLine('X', 'a"b\\c$d`e')).toBe('X="a\\"b\\\\c\\$d\\`e"');
    expect(() => environmentLine('X', 'a\nY=1')).toThrow(/control character/);
    expect(() => environmentLine('1X', 'a')).toThrow(/name/);
  });
});
