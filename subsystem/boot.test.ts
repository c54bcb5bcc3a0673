/**
 * "Boot a machine, it shows up in hosts list", with the files the service hands out and nothing
 * else on the host: the packaged service runs in one network namespace (HTTPS with its own CA),
 * a discovery host in another. The host applies discovery.ign (or the cloud-init user-data) to a
 * scratch root as Ignition (cloud-init) would, fetching the agent from the service over the
 * namespaces' link and checking its hash; then agent.service's ExecStartPre and ExecStart run as
 * systemd runs them, same argv and environment, with the scratch root laid over the machine's
 * /etc and /usr/local (support/boot/discovery-host.ts). The host must register and appear in
 * `hosts list` with its inventory. Also: the units pass `systemd-analyze verify`, the iPXE script
 * works without the operator token, rotated tokens are refused, a tampered agent never runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, openSync, readFileSync, statSync, writeSync, closeSync, existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { BINARY } from './support/build.js';
import { startAgent, type AgentProcess } from './support/agent.js';
import { DiscoveryHost, IgnitionError } from './support/boot/discovery-host.js';
import { verifyUnits } from './support/boot/systemd-verify.js';
import { Topology } from './support/netns.js';
import { waitFor } from './support/wait.js';
import { ignitionErrors } from '../test/support/ignition-schema.js';
import { tempDir } from '../test/support/temp-dir.js';

const run = promisify(execFile);
const TOKEN = 'boot-operator-token';
const SERVICE_IP = '198.18.12.1';
const HOST_IP = '198.18.12.10';
const HTTPS_URL = `https://${SERVICE_IP}:8443`;
const HTTP_URL = `http://${SERVICE_IP}:8080`;
const AGENT_IMAGE = 'localhost/inband:boot-test';
const BOOT = ['--boot-kernel-url', `http://${SERVICE_IP}/fcos/kernel`, '--boot-initrd-url', `http://${SERVICE_IP}/fcos/initramfs.img`, '--boot-rootfs-url', `http://${SERVICE_IP}/fcos/rootfs.img`];

let topology: Topology;
let scratch = '';
let caFile = '';
const services: AgentProcess[] = [];
const agents: AgentProcess[] = [];

async function inSvc(args: string[], file = BINARY): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', topology.host('svc').netns, file, ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const opsTls = (): string[] => ['--server', HTTPS_URL, '--cacert', caFile, '--token', TOKEN];

async function ops(args: string[], server = opsTls()): Promise<string> {
  const result = await inSvc([...args, ...server]);
  if (result.code !== 0) throw new Error(`inband ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
  return result.stdout;
}

async function startService(args: string[], listen: string): Promise<AgentProcess> {
  const serve = startAgent(['netns', 'exec', topology.host('svc').netns, BINARY, 'serve', '--admin-token', TOKEN, '--poll-interval', '1', ...args], {}, 'ip');
  services.push(serve);
  await serve.waitForOutput('stderr', new RegExp(`serving on \\S+${listen.replace(/\./g, '\\.')}`), 30_000);
  return serve;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { cwd: scratch, timeout: 30_000 });
}

type InfraEnv = { id: string; agent_token: string; download_token: string; discovery_urls: { ignition: string; cloud_init: string; ipxe_script: string } };
type Host = { id: string; status: string; inventory?: string; registered_at: string; infra_env_id: string };

async function createInfraEnv(name: string, server = opsTls()): Promise<InfraEnv> {
  return JSON.parse(await ops(['infra-env', 'create', '--name', name, '--ssh-key', path.join(scratch, 'operator.pub'), '--json'], server)) as InfraEnv;
}

async function hostsOf(infraEnvId: string, server = opsTls()): Promise<Host[]> {
  return JSON.parse(await ops(['hosts', 'list', '--infra-env-id', infraEnvId, '--json'], server)) as Host[];
}

/** Waits for the host to register and send its inventory; returns it with the inventory parsed. */
async function discovered(infraEnvId: string, agent: AgentProcess): Promise<Host & { parsed: { cpu: { count: number }; interfaces: { name: string; ipv4_addresses: string[] }[] } }> {
  const host = await waitFor(
    `a host with an inventory in infra-env ${infraEnvId}`,
    async () => (await hostsOf(infraEnvId)).find((h) => h.inventory && h.status !== 'discovering'),
    90_000,
    () => `${agent.describe()}\n${services.map((s) => s.describe()).join('\n')}`,
  );
  return { ...host, parsed: JSON.parse(host.inventory as string) };
}

function newHost(name: string): DiscoveryHost {
  return new DiscoveryHost(topology.host('host').netns, path.join(tempDir(`boot-${name}`), 'root'));
}

async function fetchText(host: DiscoveryHost, url: string, ca?: string): Promise<string> {
  return (await host.fetch(url, ca)).toString('utf8');
}

describe('booting a host into discovery with the files the service hands out', () => {
  beforeAll(async () => {
    scratch = tempDir('boot');
    topology = await Topology.create({
      prefix: 'ib-boot',
      hosts: [
        { name: 'svc', addresses: [`${SERVICE_IP}/24`] },
        { name: 'host', addresses: [`${HOST_IP}/24`] },
      ],
    });
    // A site CA and the service's certificate signed by it, for the service's IP.
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=inband boot test CA']);
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'svc.key', '-out', 'svc.csr', '-subj', `/CN=${SERVICE_IP}`, '-addext', `subjectAltName=IP:${SERVICE_IP}`]);
    await openssl(['x509', '-req', '-in', 'svc.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'svc.pem', '-days', '1', '-copy_extensions', 'copyall']);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'operator@example.com', '-f', path.join(scratch, 'operator')], { timeout: 30_000 });
    caFile = path.join(scratch, 'ca.pem');
    const tls = ['--tls-cert', path.join(scratch, 'svc.pem'), '--tls-key', path.join(scratch, 'svc.key'), '--tls-ca', caFile];
    await startService(['--listen', `${SERVICE_IP}:8443`, '--public-url', HTTPS_URL, '--data-dir', path.join(scratch, 'data'), '--agent-image', AGENT_IMAGE, ...tls, ...BOOT], `${SERVICE_IP}:8443`);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...agents, ...services].map((p) => p.stop()));
    await topology?.destroy();
  });

  it('discovery.ign: a valid Ignition config whose agent.service, run as systemd would, discovers the host', async () => {
    const infraEnv = await createInfraEnv('ignition');
    const host = newHost('ignition');
    // Fetched the way an ISO's embedded config or iPXE's ignition.config.url is: the download token, no operator token.
    const config = JSON.parse(await fetchText(host, infraEnv.discovery_urls.ignition, caFile)) as Parameters<DiscoveryHost['applyIgnition']>[0] & Record<string, any>;
    expect(ignitionErrors(config)).toEqual([]);
    expect(config.ignition.version).toBe('3.2.0');

    await host.applyIgnition(config);
    expect(host.enabledUnits).toEqual(['agent.service']);
    // The agent Ignition fetched (gzip, sha512 of the decompressed bytes) is the service's own executable.
    expect(readFileSync(host.hostPath('/usr/local/bin/inband')).equals(readFileSync(BINARY))).toBe(true);
    expect(statSync(host.hostPath('/usr/local/bin/inband')).mode & 0o777).toBe(0o755);
    const env = host.hostPath('/etc/inband/agent.env');
    expect(statSync(env).mode & 0o777).toBe(0o600);
    expect(readFileSync(env, 'utf8')).toBe(`PULL_SECRET_TOKEN="${infraEnv.agent_token}"\n`);
    expect(readFileSync(host.hostPath('/etc/pki/ca-trust/source/anchors/inband-service-ca.pem'), 'utf8')).toBe(readFileSync(caFile, 'utf8'));
    expect(readFileSync(host.hostPath('/home/core/.ssh/authorized_keys.d/ignition'), 'utf8')).toBe(readFileSync(path.join(scratch, 'operator.pub'), 'utf8'));

    const verified = await verifyUnits(host.root, ['agent.service'], tempDir('boot-verify'));
    expect(verified, verified.output).toEqual({ code: 0, output: '' });

    const service = await host.serviceOf('agent.service');
    expect(service.environment.PULL_SECRET_TOKEN).toBe(infraEnv.agent_token);
    expect(service.start.argv).toEqual(['/usr/local/bin/inband', 'agent', '--url', HTTPS_URL, '--infra-env-id', infraEnv.id, '--agent-version', AGENT_IMAGE, '--insecure=false', '--cacert', '/etc/inband/service-ca.pem']);
    const started = await host.start('agent.service');
    // The fetch step found the binary Ignition placed, matching: nothing to download.
    expect(started.pre.map((r) => r.code)).toEqual([0]);
    const agent = started.main as AgentProcess;
    agents.push(agent);

    const found = await discovered(infraEnv.id, agent);
    expect(found.parsed.cpu.count).toBeGreaterThan(0);
    expect(found.parsed.interfaces.find((i) => i.name === 'eth0')?.ipv4_addresses).toEqual([`${HOST_IP}/24`]);
    const table = await ops(['hosts', 'list', '--infra-env-id', infraEnv.id]);
    expect(table).toContain(found.id);
    expect(table).toMatch(new RegExp(`${found.id}\\s+\\S+\\s+(known|insufficient)\\s+${found.parsed.cpu.count}\\s`));

    // Token rotation: the running agent is refused on its next poll and stops, saying why.
    await ops(['infra-env', 'rotate-token', infraEnv.id, '--only', 'agent']);
    const [refusal] = await agent.waitForOutput('stderr', /^inband: the service refused the agent token .*$/m, 30_000);
    expect(refusal).toContain(`(401: X-Secret-Key is not the agent token of infra-env ${infraEnv.id}; the agent token was rotated at `);
    expect(refusal).toContain('Registration stops.');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Frozen, not exited: systemd's Restart=always does not loop it into the same refusal.
    expect(agent.running, agent.describe()).toBe(true);
    expect(agent.stderr.match(/refused the agent token/g)).toHaveLength(1);
    await agent.stop();

    // The host boots again from freshly fetched files: the new token registers.
    const rotated = JSON.parse(await ops(['infra-env', 'list', '--json'])).find((ie: InfraEnv) => ie.id === infraEnv.id) as InfraEnv;
    expect(rotated.agent_token).not.toBe(infraEnv.agent_token);
    const reboot = newHost('ignition-rotated');
    await reboot.applyIgnition(JSON.parse(await fetchText(reboot, rotated.discovery_urls.ignition, caFile)));
    const again = await reboot.start('agent.service');
    agents.push(again.main as AgentProcess);
    const before = found.registered_at;
    await waitFor('re-registration with the new token', async () => (await hostsOf(infraEnv.id)).find((h) => h.id === found.id && h.registered_at > before), 60_000, () => again.main?.describe() ?? '');
    expect(again.main?.stderr).not.toMatch(/refused/);
    await again.main?.stop();
  }, 240_000);

  it('cloud-init: write_files and runcmd, then the unit fetches the agent over HTTPS, checks it and discovers the host', async () => {
    const infraEnv = await createInfraEnv('cloud-init');
    const host = newHost('cloud-init');
    const { config, runcmd } = await host.applyCloudConfig(await fetchText(host, infraEnv.discovery_urls.cloud_init, caFile));
    expect(runcmd).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', '--no-block', 'agent.service'],
    ]);
    expect(host.enabledUnits).toEqual(['agent.service']);
    expect(config.ssh_authorized_keys).toEqual([readFileSync(path.join(scratch, 'operator.pub'), 'utf8').trim()]);
    expect(config.ca_certs).toEqual({ trusted: [readFileSync(caFile, 'utf8')] });
    expect(statSync(host.hostPath('/etc/inband/agent.env')).mode & 0o777).toBe(0o600);
    // Nothing fetched yet: the unit's first step does that.
    expect(existsSync(host.hostPath('/usr/local/bin/inband'))).toBe(false);

    const started = await host.start('agent.service');
    expect(started.failed, JSON.stringify(started.pre)).toBeUndefined();
    const agent = started.main as AgentProcess;
    agents.push(agent);
    expect(readFileSync(host.hostPath('/usr/local/bin/inband')).equals(readFileSync(BINARY))).toBe(true);
    expect(statSync(host.hostPath('/usr/local/bin/inband')).mode & 0o777).toBe(0o755);
    const found = await discovered(infraEnv.id, agent);
    expect(found.parsed.interfaces.find((i) => i.name === 'eth0')?.ipv4_addresses).toEqual([`${HOST_IP}/24`]);
    await agent.stop();
  }, 180_000);

  it('iPXE: the script names the live image and an ignition URL that works without the operator token; a rotated download token is refused', async () => {
    const infraEnv = await createInfraEnv('ipxe');
    const host = newHost('ipxe');
    const script = await fetchText(host, infraEnv.discovery_urls.ipxe_script, caFile);
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!ipxe');
    expect(lines[1]).toBe(`initrd --name initrd http://${SERVICE_IP}/fcos/initramfs.img`);
    expect(lines[2]).toMatch(new RegExp(`^kernel http://${SERVICE_IP}/fcos/kernel initrd=initrd coreos\\.live\\.rootfs_url=http://${SERVICE_IP}/fcos/rootfs\\.img `));
    expect(lines[3]).toBe('boot');
    const ignitionUrl = /ignition\.config\.url=(\S+)/.exec(script)?.[1] as string;
    expect(ignitionUrl).toBe(infraEnv.discovery_urls.ignition);
    const byUrl = await fetchText(host, ignitionUrl, caFile);
    const byOperator = await ops(['infra-env', 'discovery', infraEnv.id, '--format', 'ignition']);
    expect(byUrl).toBe(byOperator);
    expect(ignitionErrors(JSON.parse(byUrl))).toEqual([]);

    await ops(['infra-env', 'rotate-token', infraEnv.id, '--only', 'download']);
    await expect(host.fetch(ignitionUrl, caFile)).rejects.toThrow(/401/);
    await expect(host.fetch(infraEnv.discovery_urls.ipxe_script, caFile)).rejects.toThrow(/401/);
  }, 60_000);

  it('the podman variant\'s unit passes systemd-analyze verify as well', async () => {
    const infraEnv = await createInfraEnv('podman');
    const host = newHost('podman');
    await host.applyIgnition(JSON.parse(await ops(['infra-env', 'discovery', infraEnv.id, '--format', 'ignition', '--agent-source', 'podman'])));
    expect((await host.serviceOf('agent.service')).start.argv.slice(0, 3)).toEqual(['/usr/bin/podman', 'run', '--rm']);
    const verified = await verifyUnits(host.root, ['agent.service'], tempDir('boot-verify-podman'));
    expect(verified, verified.output).toEqual({ code: 0, output: '' });
  }, 60_000);

  it('a tampered agent never runs: Ignition\'s verification and the unit\'s fetch step both refuse it', async () => {
    const dir = tempDir('boot-tamper');
    const served = path.join(dir, 'inband');
    copyFileSync(BINARY, served);
    const args = ['--listen', `${SERVICE_IP}:8080`, '--public-url', HTTP_URL, '--data-dir', path.join(dir, 'data'), '--agent-binary', served];
    let serve = await startService(args, `${SERVICE_IP}:8080`);
    const http = ['--server', HTTP_URL, '--token', TOKEN];
    const infraEnv = await createInfraEnv('tamper', http);
    const ignition = await ops(['infra-env', 'discovery', infraEnv.id, '--format', 'ignition'], http);
    const cloudInit = await ops(['infra-env', 'discovery', infraEnv.id, '--format', 'cloud-init'], http);
    await serve.stop();
    // The service (or anything between it and the host, on plain HTTP) now hands out other bytes.
    const fd = openSync(served, 'r+');
    writeSync(fd, Buffer.from('tampered'), 0, 8, 1 << 20);
    closeSync(fd);
    serve = await startService(args, `${SERVICE_IP}:8080`);

    const byIgnition = newHost('tamper-ignition');
    const refused = await byIgnition.applyIgnition(JSON.parse(ignition)).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(IgnitionError);
    expect(String(refused)).toMatch(/\/usr\/local\/bin\/inband: hash mismatch: the config wants sha512 [0-9a-f]{128}, \S+inband\.gz has [0-9a-f]{128}/);

    const byCloudInit = newHost('tamper-cloud-init');
    await byCloudInit.applyCloudConfig(cloudInit);
    const started = await byCloudInit.start('agent.service');
    expect(started.main).toBeUndefined();
    expect(started.failed?.code).toBe(1);
    expect(started.failed?.stderr).toMatch(/^inband-fetch-agent: refusing http:\/\/\S+\/agent-binaries\/x86_64\/inband: its sha256 is [0-9a-f]{64}, but the discovery files pin [0-9a-f]{64}$/m);
    expect(existsSync(byCloudInit.hostPath('/usr/local/bin/inband'))).toBe(false);
    expect(existsSync(byCloudInit.hostPath('/usr/local/bin/inband.download'))).toBe(false);
    expect(await hostsOf(infraEnv.id, http)).toEqual([]);
    await serve.stop();
  }, 120_000);
});
