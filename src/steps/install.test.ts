import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import step, { installerArgs } from './install.js';
import { HostFs } from '../host/host-fs.js';
import type { CommandRunner } from '../host/command-runner.js';
import type { AgentIdentity, StepContext } from './types.js';
import { context } from '../../test/support/step-runner-fake.js';
import { fakePodman, pathRunner } from '../../test/support/fake-podman.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { swaggerErrors } from '../../test/support/swagger.js';

const CLUSTER = '11111111-1111-1111-1111-111111111111';
const INFRA = '22222222-2222-2222-2222-222222222222';
const HOST = '33333333-3333-3333-3333-333333333333';
const INSTALLER = 'quay.io/edge/assisted-installer:v2';
const CONTROLLER = 'quay.io/edge/assisted-installer-controller:v2';
// Shell metacharacters, quotes and a newline: harmless only if no shell ever sees them.
const NASTY = ` a b; rm -rf / $(reboot) \`id\` 'single' "double"\nnext line`;
const BOOT = `/dev/disk/by-path/pci${NASTY}`;
const FORMAT = `/dev/sd b;$(touch /tmp/x)`;

const MINIMAL = { cluster_id: CLUSTER, infra_env_id: INFRA, host_id: HOST, role: 'master', boot_device: '/dev/sda', controller_image: CONTROLLER, installer_image: INSTALLER };
const FULL = {
  ...MINIMAL,
  boot_device: BOOT,
  control_plane_count: 3,
  mco_image: 'quay.io/edge/mco:4.16',
  must_gather_image: '{"ocp": "quay.io/edge/must-gather:4.16", "cnv": "quay.io/edge/cnv-mg:1"}',
  openshift_version: '4.16.0-rc.1',
  disks_to_format: [FORMAT, '/dev/sdc'],
  check_cvo: true,
  skip_installation_disk_cleanup: true,
  installer_args: JSON.stringify(['--append-karg', `ip=dhcp${NASTY}`, '--copy-network']),
  enable_skip_mco_reboot: true,
  notify_num_reboots: true,
  proxy: { http_proxy: "http://us'er:p;$(id)@proxy.example.com:3128", https_proxy: 'https://proxy.example.com:3129', no_proxy: '.cluster.local,10.0.0.0/8,fd00::1' },
  service_ips: ['10.0.0.7', 'fd00::7'],
  coreos_image: `quay.io/edge/os:1${NASTY}`,
};
const AGENT = { url: 'https://service.example.com:8090', infraEnvId: INFRA, hostId: HOST, agentVersion: 'quay.io/edge/agent:v2', insecure: true, cacertPath: '/etc/assisted/ca bundle.pem', token: 'secret-token' };

// Neither --insecure nor a CA: the agent as most installations run it.
const { cacertPath: _unused, ...AGENT_WITHOUT_CA } = AGENT;
const PLAIN_AGENT = { ...AGENT_WITHOUT_CA, insecure: false };

function hostRoot(): string {
  const root = tempDir('install-host');
  for (const device of ['/dev/sda', '/dev/sdc', BOOT, FORMAT]) {
    mkdirSync(path.dirname(path.join(root, device)), { recursive: true });
    writeFileSync(path.join(root, device), '');
  }
  return root;
}

function ctx(run: CommandRunner, root = hostRoot(), agent: AgentIdentity = AGENT): StepContext {
  return { ...context(run), hostFs: new HostFs(root), agent };
}

const RUN_PREFIX = [
  'run', '--privileged', '--pid=host', '--net=host', '--name=assisted-installer',
  '-v', '/dev:/dev:rw', '-v', '/opt:/opt:rw', '-v', '/var/log:/var/log:rw',
  '-v', '/run/systemd/journal/socket:/run/systemd/journal/socket', '-v', '/etc/pki:/etc/pki', '-v', '/tmp:/tmp',
  '--env=PULL_SECRET_TOKEN',
];

const FULL_INSTALLER_ARGS = [
  '--role', 'master', '--infra-env-id', INFRA, '--cluster-id', CLUSTER, '--host-id', HOST,
  '--boot-device', BOOT, '--url', AGENT.url, '--controller-image', CONTROLLER, '--agent-image', AGENT.agentVersion,
  '--control-plane-count', '3', '--mco-image', FULL.mco_image, '--must-gather-image', FULL.must_gather_image,
  '--openshift-version', '4.16.0-rc.1', '--format-disk', FORMAT, '--format-disk', '/dev/sdc',
  '--insecure', '--check-cluster-version', '--skip-installation-disk-cleanup', '--cacert', AGENT.cacertPath,
  '--installer-args', FULL.installer_args, '--enable-skip-mco-reboot', '--notify-num-reboots',
  '--http-proxy', FULL.proxy.http_proxy, '--https-proxy', FULL.proxy.https_proxy, '--no-proxy', FULL.proxy.no_proxy,
  '--service-ips', '10.0.0.7,fd00::7', '--coreos-image', FULL.coreos_image,
];

const parse = (body: unknown) => step.parseArgs([JSON.stringify(body)]);

describe('install: request validation', () => {
  it('accepts the full request, which is also valid against the swagger', () => {
    expect(() => parse(FULL)).not.toThrow();
    // The swagger's service_ips/image patterns are the ones enforced here; BOOT etc. are plain strings there.
    expect(swaggerErrors('install_cmd_request', FULL)).toEqual([]);
  });

  it('lists every missing required field', () => {
    expect(() => step.parseArgs(['{}'])).toThrow(
      'validation failure list:\ncluster_id in body is required\ninfra_env_id in body is required\nhost_id in body is required\nrole in body is required\nboot_device in body is required\ncontroller_image in body is required\ninstaller_image in body is required',
    );
  });

  it.each([
    ['cluster_id', `${CLUSTER};reboot`, `cluster_id in body must be of type uuid: "${CLUSTER};reboot"`],
    ['infra_env_id', NASTY, 'infra_env_id in body must be of type uuid'],
    ['host_id', `$(reboot)`, 'host_id in body must be of type uuid: "$(reboot)"'],
    ['role', `master ${NASTY}`, 'role in body should be one of [auto-assign master arbiter worker bootstrap]'],
    ['installer_image', `${INSTALLER}; reboot`, "installer_image in body should match '^(("],
    ['installer_image', '--rm', "installer_image in body should match '^(("],
    ['controller_image', `${CONTROLLER}$(id)`, "controller_image in body should match '^(("],
    ['mco_image', `quay.io/x/mco:1\nreboot`, "mco_image in body should match '^(("],
    ['must_gather_image', `quay.io/x/mg:1 'x'`, "must_gather_image in body should match '^(("],
    ['must_gather_image', '{"evil": "quay.io/x/mg:1"}', 'must_gather_image in body: key evil should be one of [cnv lso ocs odf ocp]'],
    ['must_gather_image', '{"ocp": "quay.io/x/mg:1;reboot"}', "must_gather_image.ocp in body should match '^(("],
    ['openshift_version', `4.16 ${NASTY}`, `openshift_version in body: Malformed version: 4.16 ${NASTY}`],
    ['installer_args', 'not json', 'installer_args in body: failed to unmarshal installer args'],
    ['installer_args', '["--firstboot-args", "x"]', 'installer_args in body: found unexpected flag --firstboot-args for installer - allowed flags are [--append-karg'],
    ['installer_args', '{"a": 1}', 'installer_args in body: installer args must be a JSON array of strings'],
    ['boot_device', 'sda; reboot', 'boot_device in body must start with /dev/: "sda; reboot"'],
    ['disks_to_format', ['/dev/sdb', '$(reboot)'], 'disks_to_format.1 in body must start with /dev/: "$(reboot)"'],
    ['service_ips', ['10.0.0.1; reboot'], "service_ips.0 in body should match '"],
    ['proxy', { http_proxy: 'http://proxy example.com:3128' }, "proxy.http_proxy in body: Proxy URL format is not valid: 'http://proxy example.com:3128'"],
    ['proxy', { http_proxy: 'https://proxy.example.com' }, 'proxy.http_proxy in body: Proxy URL format is not valid'],
    ['proxy', { https_proxy: 'ftp://proxy.example.com' }, 'proxy.https_proxy in body: Proxy URL format is not valid'],
    ['proxy', { no_proxy: 'a.example.com,$(reboot)' }, "proxy.no_proxy in body: NO_PROXY value '$(reboot)' is not a valid domain, IP address or CIDR"],
    ['check_cvo', 'yes', 'check_cvo in body must be of type boolean: "string"'],
  ])('refuses %s = %j', (field, value, message) => {
    let error: unknown;
    try {
      parse({ ...MINIMAL, [field]: value });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).toMatch(/^validation failure list:\n/);
    expect((error as Error).message).toContain(message);
  });

  it('accepts "*" as no_proxy and a plain must-gather image', () => {
    expect(() => parse({ ...MINIMAL, proxy: { no_proxy: '*' }, must_gather_image: 'quay.io/x/mg:1' })).not.toThrow();
  });
});

describe('install: installer argument vector', () => {
  it('has only the mandatory flags for a minimal request', () => {
    expect(installerArgs(parse(MINIMAL), PLAIN_AGENT, false)).toEqual([
      '--role', 'master', '--infra-env-id', INFRA, '--cluster-id', CLUSTER, '--host-id', HOST,
      '--boot-device', '/dev/sda', '--url', AGENT.url, '--controller-image', CONTROLLER, '--agent-image', AGENT.agentVersion,
    ]);
  });

  it('has every optional flag in upstream order, each value one argument, booleans bare', () => {
    expect(installerArgs(parse(FULL), AGENT, true)).toEqual([...FULL_INSTALLER_ARGS, '--copy-network']);
  });
});

describe('install: running the installer through a fake podman', () => {
  it('runs the installer with the exact podman argument vector; hostile values stay single arguments', async () => {
    const podman = fakePodman();
    podman.script({ [`images ${INSTALLER}`]: { stdout: 'abc123\n' }, run: { stdout: 'installer done\n' } });
    const reply = await step.run(parse(FULL), ctx(podman.run));
    expect(reply).toEqual({ exitCode: 0, output: 'installer done\n', error: '' });
    expect(podman.calls()).toEqual([
      ['images', '--quiet', INSTALLER],
      [...RUN_PREFIX, '-v', `${AGENT.cacertPath}:${AGENT.cacertPath}:rw`, INSTALLER, ...FULL_INSTALLER_ARGS],
    ]);
    // The installer reads the pull secret from the environment podman forwards with --env.
    expect(podman.tokens()).toEqual(['secret-token', 'secret-token']);
  });

  it('pulls a missing installer image, retrying up to three times', async () => {
    const podman = fakePodman();
    podman.script({ pull: { code: 125, stderr: 'connection refused' } });
    const reply = await step.run(parse(MINIMAL), ctx(podman.run));
    expect(reply).toEqual({ exitCode: 2, output: '', error: `failed to pull installer image ${INSTALLER} after 3 attempts, exit code 125: connection refused` });
    expect(podman.calls()).toEqual([['images', '--quiet', INSTALLER], ['pull', INSTALLER], ['pull', INSTALLER], ['pull', INSTALLER]]);
  });

  it('runs after a successful pull and passes the installer exit code through', async () => {
    const podman = fakePodman();
    podman.script({ run: { code: 1, stderr: 'boot device busy' } });
    const reply = await step.run(parse(MINIMAL), ctx(podman.run, hostRoot(), PLAIN_AGENT));
    expect(reply).toEqual({ exitCode: 1, output: '', error: 'boot device busy' });
    expect(podman.calls().map((c) => c.slice(0, 1))).toEqual([['images'], ['pull'], ['run']]);
    expect(podman.calls()[2]).toEqual([...RUN_PREFIX, INSTALLER, ...installerArgs(parse(MINIMAL), PLAIN_AGENT, false)]);
  });

  it('refuses devices that do not exist, before touching podman', async () => {
    const podman = fakePodman();
    const reply = await step.run(parse({ ...MINIMAL, boot_device: '/dev/nvme9n1', disks_to_format: ['/dev/sdz'] }), ctx(podman.run));
    expect(reply).toEqual({ exitCode: -1, output: '', error: 'validation failure list:\ndevice /dev/nvme9n1 does not exist\ndevice /dev/sdz does not exist' });
    expect(podman.calls()).toEqual([]);
  });

  it('adds --copy-network after a network edited in the agent TUI (OCPBUGS-63472)', async () => {
    const root = hostRoot();
    mkdirSync(path.join(root, 'var/log/agent'), { recursive: true });
    writeFileSync(path.join(root, 'var/log/agent/agent-tui.log'), 'tui\n');
    const nm = path.join(root, 'proc/1/root/etc/NetworkManager/system-connections');
    mkdirSync(nm, { recursive: true });
    writeFileSync(path.join(nm, 'enp1s0.nmconnection'), '[connection]\nid=enp1s0\n');
    const podman = fakePodman();
    podman.script({ images: { stdout: 'abc\n' } });
    await step.run(parse(MINIMAL), ctx(podman.run, root));
    expect(podman.calls()[1]?.at(-1)).toBe('--copy-network');

    // A keyfile older than the agent's log directory predates the TUI session: no --copy-network.
    const old = new Date('2000-01-01T00:00:00Z');
    utimesSync(path.join(nm, 'enp1s0.nmconnection'), old, old);
    const again = fakePodman();
    again.script({ images: { stdout: 'abc\n' } });
    await step.run(parse(MINIMAL), ctx(again.run, root));
    expect(again.calls()[1]).not.toContain('--copy-network');
  });

  it('says podman is not installed', async () => {
    const reply = await step.run(parse(MINIMAL), ctx(pathRunner(tempDir('no-podman'))));
    expect(reply.exitCode).toBe(-1);
    expect(reply.error).toMatch(/^podman is not installed: podman: spawn podman ENOENT/);
  });
});
