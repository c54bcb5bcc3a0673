/**
 * `install`: runs the assisted-installer container that writes the OS to the boot device.
 *
 * Upstream assembles one `sh -c "podman run …"` string and quotes values by hand (and once lost the
 * proxy flags to that, MGMT-16459). Here the whole command is one argument vector for podman: a
 * proxy URL, a must-gather map or installer args with spaces, quotes, `;`, `$()` or newlines are
 * each exactly one argument, because no shell ever parses them; no quoting is needed or added.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isUuid } from '../protocol/formats.js';
import { FieldChecks, singleJsonObject, type JsonObject } from './args.js';
import { IMAGE_PATTERN, isImageName, Podman, PodmanMissingError } from './podman.js';
import { INSTALLER_CONTAINER } from './stop-installation.js';
import { failed, type StepContext, type StepModule } from './types.js';

export interface InstallRequest {
  cluster_id: string;
  infra_env_id: string;
  host_id: string;
  role: string;
  boot_device: string;
  controller_image: string;
  installer_image: string;
  control_plane_count?: number;
  proxy?: { http_proxy?: string; https_proxy?: string; no_proxy?: string };
  check_cvo?: boolean;
  disks_to_format?: string[];
  must_gather_image?: string;
  mco_image?: string;
  openshift_version?: string;
  service_ips?: string[];
  installer_args?: string;
  skip_installation_disk_cleanup?: boolean;
  enable_skip_mco_reboot?: boolean;
  notify_num_reboots?: boolean;
  coreos_image?: string;
}

const ROLES = ['auto-assign', 'master', 'arbiter', 'worker', 'bootstrap'];
const MUST_GATHER_KEYS = ['cnv', 'lso', 'ocs', 'odf', 'ocp'];
// The flags the service lets a user hand to coreos-installer; anything else could rewrite the install.
const INSTALLER_ARG_FLAGS = ['--append-karg', '--delete-karg', '-n', '--copy-network', '--network-dir', '--save-partlabel', '--save-partindex', '--image-url', '--image-file'];
const SERVICE_IP_RE = /^(?:(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3})|(?:(?:[0-9a-fA-F]*:[0-9a-fA-F]*){2,}))$/;
// hashicorp/go-version's loose version syntax, which is what "parsable" means upstream.
const VERSION_RE =
  /^v?([0-9]+(\.[0-9]+)*?)(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))?$/;
const NO_PROXY_ITEM_RE = /^\.?[A-Za-z0-9_\-.:\[\]]+(\/[0-9]{1,3})?$/;

const STEP_TIMEOUT_MS = 6 * 60 * 60_000;
const PULL_ATTEMPTS = 3;
const PULL_TIMEOUT_MS = 600_000;

export const AGENT_TUI_LOG = '/var/log/agent/agent-tui.log';
export const AGENT_LOG_DIR = '/var/log/agent';
export const NM_CONNECTIONS_DIR = '/proc/1/root/etc/NetworkManager/system-connections';

function checkProxyUrl(checks: FieldChecks, field: string, value: string, schemes: string[]): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !schemes.includes(url.protocol.replace(/:$/, '')) || url.hostname === '' || /\s/.test(value)) {
    checks.add(`proxy.${field} in body: Proxy URL format is not valid: '${value}'`);
  }
}

function checkMustGather(checks: FieldChecks, value: string): void {
  if (!value.trimStart().startsWith('{')) {
    if (!isImageName(value)) checks.add(`must_gather_image in body should match '${IMAGE_PATTERN}'`);
    return;
  }
  let map: unknown;
  try {
    map = JSON.parse(value);
  } catch {
    map = undefined;
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    checks.add(`must_gather_image in body: not a JSON map of operator to image: ${JSON.stringify(value)}`);
    return;
  }
  for (const [key, image] of Object.entries(map)) {
    if (!MUST_GATHER_KEYS.includes(key)) checks.add(`must_gather_image in body: key ${key} should be one of [${MUST_GATHER_KEYS.join(' ')}]`);
    else if (typeof image !== 'string' || !isImageName(image)) checks.add(`must_gather_image.${key} in body should match '${IMAGE_PATTERN}'`);
  }
}

function checkInstallerArgs(checks: FieldChecks, value: string): void {
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch (err) {
    checks.add(`installer_args in body: failed to unmarshal installer args: ${(err as Error).message}`);
    return;
  }
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    checks.add('installer_args in body: installer args must be a JSON array of strings');
    return;
  }
  for (const item of list as string[]) {
    if (item.startsWith('-') && !INSTALLER_ARG_FLAGS.includes(item.split('=')[0] as string)) {
      checks.add(`installer_args in body: found unexpected flag ${item} for installer - allowed flags are [${INSTALLER_ARG_FLAGS.join(' ')}]`);
    }
  }
}

function checkDevice(checks: FieldChecks, field: string, value: string): void {
  if (!value.startsWith('/dev/')) checks.add(`${field} in body must start with /dev/: "${value}"`);
}

export function parseInstallRequest(body: JsonObject): InstallRequest {
  const checks = new FieldChecks();
  const uuid = (field: string): string => {
    const value = checks.string(body, field, { required: true }) ?? '';
    if (value !== '' && !isUuid(value)) checks.add(`${field} in body must be of type uuid: "${value}"`);
    return value;
  };
  const image = (field: string, required: boolean): string | undefined => {
    const value = checks.string(body, field, { required });
    if (value !== undefined && (value !== '' || !required) && !isImageName(value)) checks.add(`${field} in body should match '${IMAGE_PATTERN}'`);
    return value;
  };
  const request: InstallRequest = {
    cluster_id: uuid('cluster_id'),
    infra_env_id: uuid('infra_env_id'),
    host_id: uuid('host_id'),
    role: checks.string(body, 'role', { required: true }) ?? '',
    boot_device: checks.string(body, 'boot_device', { required: true }) ?? '',
    controller_image: image('controller_image', true) ?? '',
    installer_image: image('installer_image', true) ?? '',
    control_plane_count: checks.integer(body, 'control_plane_count'),
    check_cvo: checks.boolean(body, 'check_cvo'),
    disks_to_format: checks.stringArray(body, 'disks_to_format'),
    must_gather_image: checks.string(body, 'must_gather_image'),
    mco_image: image('mco_image', false),
    openshift_version: checks.string(body, 'openshift_version'),
    service_ips: checks.stringArray(body, 'service_ips'),
    installer_args: checks.string(body, 'installer_args'),
    skip_installation_disk_cleanup: checks.boolean(body, 'skip_installation_disk_cleanup'),
    enable_skip_mco_reboot: checks.boolean(body, 'enable_skip_mco_reboot'),
    notify_num_reboots: checks.boolean(body, 'notify_num_reboots'),
    coreos_image: checks.string(body, 'coreos_image'),
  };
  if (request.role !== '' && !ROLES.includes(request.role)) checks.add(`role in body should be one of [${ROLES.join(' ')}]`);
  if (request.boot_device !== '') checkDevice(checks, 'boot_device', request.boot_device);
  request.disks_to_format?.forEach((disk, index) => checkDevice(checks, `disks_to_format.${index}`, disk));
  if (request.must_gather_image) checkMustGather(checks, request.must_gather_image);
  if (request.openshift_version && !VERSION_RE.test(request.openshift_version)) {
    checks.add(`openshift_version in body: Malformed version: ${request.openshift_version}`);
  }
  if (request.installer_args) checkInstallerArgs(checks, request.installer_args);
  request.service_ips?.forEach((ip, index) => {
    if (!SERVICE_IP_RE.test(ip)) checks.add(`service_ips.${index} in body should match '${SERVICE_IP_RE.source}'`);
  });

  const proxy = body.proxy;
  if (proxy !== undefined && proxy !== null) {
    if (typeof proxy !== 'object' || Array.isArray(proxy)) {
      checks.add(`proxy in body must be of type object: "${typeof proxy}"`);
    } else {
      const proxyChecks = new FieldChecks('body');
      const p = proxy as JsonObject;
      const fields = {
        http_proxy: proxyChecks.string(p, 'http_proxy'),
        https_proxy: proxyChecks.string(p, 'https_proxy'),
        no_proxy: proxyChecks.string(p, 'no_proxy'),
      };
      try {
        proxyChecks.done();
      } catch {
        checks.add('proxy in body: http_proxy, https_proxy and no_proxy must be strings');
      }
      if (fields.http_proxy) checkProxyUrl(checks, 'http_proxy', fields.http_proxy, ['http']);
      if (fields.https_proxy) checkProxyUrl(checks, 'https_proxy', fields.https_proxy, ['http', 'https']);
      if (fields.no_proxy && fields.no_proxy !== '*') {
        for (const item of fields.no_proxy.split(',')) {
          if (!NO_PROXY_ITEM_RE.test(item)) checks.add(`proxy.no_proxy in body: NO_PROXY value '${item}' is not a valid domain, IP address or CIDR`);
        }
      }
      request.proxy = fields;
    }
  }
  checks.done();
  return request;
}

/** The installer's own flags, in upstream's order; every value is one argument. */
export function installerArgs(request: InstallRequest, agent: StepContext['agent'], copyNetwork: boolean): string[] {
  const args = [
    '--role', request.role,
    '--infra-env-id', request.infra_env_id,
    '--cluster-id', request.cluster_id,
    '--host-id', request.host_id,
    '--boot-device', request.boot_device,
    '--url', agent.url,
    '--controller-image', request.controller_image,
    '--agent-image', agent.agentVersion,
  ];
  if (request.control_plane_count) args.push('--control-plane-count', String(request.control_plane_count));
  if (request.mco_image) args.push('--mco-image', request.mco_image);
  if (request.must_gather_image) args.push('--must-gather-image', request.must_gather_image);
  if (request.openshift_version) args.push('--openshift-version', request.openshift_version);
  for (const disk of request.disks_to_format ?? []) args.push('--format-disk', disk);
  // Booleans are bare: "--flag value" for a boolean ends the installer's flag parsing (MGMT-16459).
  if (agent.insecure) args.push('--insecure');
  if (request.check_cvo) args.push('--check-cluster-version');
  if (request.skip_installation_disk_cleanup) args.push('--skip-installation-disk-cleanup');
  if (agent.cacertPath) args.push('--cacert', agent.cacertPath);
  if (request.installer_args) args.push('--installer-args', request.installer_args);
  if (request.enable_skip_mco_reboot) args.push('--enable-skip-mco-reboot');
  if (request.notify_num_reboots) args.push('--notify-num-reboots');
  if (request.proxy?.http_proxy) args.push('--http-proxy', request.proxy.http_proxy);
  if (request.proxy?.https_proxy) args.push('--https-proxy', request.proxy.https_proxy);
  if (request.proxy?.no_proxy) args.push('--no-proxy', request.proxy.no_proxy);
  if (request.service_ips && request.service_ips.length > 0) args.push('--service-ips', request.service_ips.join(','));
  if (request.coreos_image) args.push('--coreos-image', request.coreos_image);
  if (copyNetwork) args.push('--copy-network');
  return args;
}

/** The complete `podman run` argument vector (without the leading "podman"). */
export function podmanRunArgs(request: InstallRequest, agent: StepContext['agent'], copyNetwork: boolean): string[] {
  const args = [
    'run', '--privileged', '--pid=host', '--net=host', `--name=${INSTALLER_CONTAINER}`,
    '-v', '/dev:/dev:rw',
    '-v', '/opt:/opt:rw',
    '-v', '/var/log:/var/log:rw',
    '-v', '/run/systemd/journal/socket:/run/systemd/journal/socket',
    '-v', '/etc/pki:/etc/pki',
    '-v', '/tmp:/tmp',
    '--env=PULL_SECRET_TOKEN',
  ];
  if (agent.cacertPath) args.push('-v', `${agent.cacertPath}:${agent.cacertPath}:rw`);
  args.push(request.installer_image, ...installerArgs(request, agent, copyNetwork));
  return args;
}

/**
 * OCPBUGS-63472: a network configured by hand in the agent TUI (nmtui) after the agent started
 * must be carried into the installed system, which coreos-installer only does with --copy-network.
 */
export async function networkEditedInTui(ctx: StepContext): Promise<boolean> {
  const hostFs = ctx.hostFs;
  if (!hostFs || !(await hostFs.exists(AGENT_TUI_LOG))) return false;
  let since: number;
  try {
    since = (await fs.stat(hostFs.resolve(AGENT_LOG_DIR))).birthtimeMs;
  } catch {
    return false;
  }
  for (const name of await hostFs.list(NM_CONNECTIONS_DIR)) {
    const file = path.posix.join(NM_CONNECTIONS_DIR, name);
    const text = await hostFs.readText(file);
    if (!text?.includes('[connection]')) continue;
    try {
      if ((await fs.stat(hostFs.resolve(file))).mtimeMs >= since) return true;
    } catch {
      // Vanished between listing and stat: it cannot count.
    }
  }
  return false;
}

async function missingDevices(request: InstallRequest, ctx: StepContext): Promise<string[]> {
  const devices = [request.boot_device, ...(request.disks_to_format ?? [])];
  const missing: string[] = [];
  for (const device of devices) if (!(await ctx.hostFs.exists(device))) missing.push(device);
  return missing;
}

async function install(request: InstallRequest, ctx: StepContext): Promise<{ exitCode: number; output: string; error: string }> {
  const missing = await missingDevices(request, ctx);
  if (missing.length > 0) return failed(`validation failure list:\n${missing.map((d) => `device ${d} does not exist`).join('\n')}`);

  const env = ctx.agent.token ? { ...process.env, PULL_SECRET_TOKEN: ctx.agent.token } : undefined;
  const podman = new Podman(ctx.run, ctx.signal, env);
  if (!(await podman.imagePresent(request.installer_image))) {
    let lastError = '';
    let pulled = false;
    for (let attempt = 1; attempt <= PULL_ATTEMPTS && !pulled; attempt++) {
      const result = await podman.pull(request.installer_image, PULL_TIMEOUT_MS);
      pulled = result.exitCode === 0;
      if (!pulled) lastError = `exit code ${result.exitCode}: ${result.stderr.trim()}`;
    }
    if (!pulled) return failed(`failed to pull installer image ${request.installer_image} after ${PULL_ATTEMPTS} attempts, ${lastError}`, 2);
  }
  const copyNetwork = await networkEditedInTui(ctx);
  const result = await podman.exec(podmanRunArgs(request, ctx.agent, copyNetwork), { timeoutMs: STEP_TIMEOUT_MS - 60_000 });
  return { exitCode: result.exitCode, output: result.stdout, error: result.stderr };
}

const installStep: StepModule<InstallRequest> = {
  type: 'install',
  timeoutMs: STEP_TIMEOUT_MS,
  parseArgs(args) {
    return parseInstallRequest(singleJsonObject(args, 'install_cmd_request'));
  },
  async run(request, ctx) {
    try {
      return await install(request, ctx);
    } catch (err) {
      if (err instanceof PodmanMissingError) return failed(err.message);
      throw err;
    }
  },
};

export default installStep;
