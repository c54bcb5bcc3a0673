import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFakeElf } from '../../../test/support/fake-elf.js';
import { ignitionErrors } from '../../../test/support/ignition-schema.js';
import { swaggerErrors } from '../../../test/support/swagger.js';
import { tempDir } from '../../../test/support/temp-dir.js';
import { admin, api, startTestApp, type TestApp } from '../app-test-support.js';
import { AgentBinaries } from '../boot/agent-binaries.js';

const PUBLIC = 'http://192.0.2.1:8090';
const BOOT = { kernelUrl: 'http://192.0.2.1/fcos/kernel', initrdUrl: 'http://192.0.2.1/fcos/initramfs.img', rootfsUrl: 'http://192.0.2.1/fcos/rootfs.img' };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm7labkeyforthetests operator@example.com';

let t: TestApp;
let app: { inject: TestApp['inject'] };
let service: TestApp['service'];
let binaries: AgentBinaries;
let binaryFile: string;

async function start(options: { publicUrl?: string } = { publicUrl: PUBLIC }): Promise<void> {
  const dir = tempDir('downloads');
  binaryFile = writeFakeElf(dir, 'inband');
  binaries = await AgentBinaries.load([binaryFile], path.join(dir, 'agent-binaries'));
  t = await startTestApp({ boot: { binaries, publicUrl: options.publicUrl, agentImage: 'quay.io/example/inband:1.0', bootArtifacts: BOOT } });
  app = t;
  service = t.service;
}

beforeEach(() => start());
afterEach(() => binaries.close());

type InfraEnv = { id: string; agent_token: string; download_token: string; download_token_expires_at?: string; discovery_urls: { ignition: string; cloud_init: string; ipxe_script: string } };

async function createInfraEnv(body: Record<string, unknown> = {}): Promise<InfraEnv> {
  const res = await app.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: admin, payload: { name: 'rack-12', ssh_authorized_key: KEY, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** The path and query of a URL the service printed, for inject. */
const local = (url: string): string => url.slice(PUBLIC.length);
const files = (ie: { id: string }, query: string): string => api(`/v2/infra-envs/${ie.id}/downloads/files?${query}`);

describe('downloads/files', () => {
  it('gives discovery.ign to the operator and to the download token, never to the agent token or no one', async () => {
    const ie = await createInfraEnv();
    expect(ie.download_token).toMatch(/^[\w-]{32}$/);
    expect(ie.download_token).not.toBe(ie.agent_token);
    const byOperator = await app.inject({ method: 'GET', url: files(ie, 'file_name=discovery.ign'), headers: admin });
    expect(byOperator.statusCode, byOperator.body).toBe(200);
    expect(byOperator.headers['content-type']).toBe('application/octet-stream');
    expect(byOperator.headers['cache-control']).toBe('no-store');
    expect(byOperator.headers['content-disposition']).toBe('attachment; filename="discovery.ign"');
    const config = JSON.parse(byOperator.body) as Record<string, any>;
    expect(ignitionErrors(config)).toEqual([]);
    expect(config.passwd.users).toEqual([{ name: 'core', sshAuthorizedKeys: [KEY] }]);
    const binary = config.storage.files.find((f: { path: string }) => f.path === '/usr/local/bin/inband');
    expect(binary.contents).toEqual({
      source: `${PUBLIC}/api/assisted-install/v2/agent-binaries/x86_64/inband.gz`,
      compression: 'gzip',
      verification: { hash: `sha512-${binaries.list()[0]?.sha512}` },
    });

    const byUrl = await app.inject({ method: 'GET', url: local(ie.discovery_urls.ignition) });
    expect(byUrl.statusCode, byUrl.body).toBe(200);
    expect(byUrl.body).toBe(byOperator.body);

    const anonymous = await app.inject({ method: 'GET', url: files(ie, 'file_name=discovery.ign') });
    expect(anonymous.statusCode).toBe(401);
    expect(swaggerErrors('infra_error', anonymous.json())).toEqual([]);
    expect(anonymous.json().message).toMatch(/operator token.*api_key=<download token/);
    const agentToken = await app.inject({ method: 'GET', url: files(ie, 'file_name=discovery.ign'), headers: { 'x-secret-key': ie.agent_token } });
    expect(agentToken.statusCode).toBe(401);
    const wrong = await app.inject({ method: 'GET', url: files(ie, `file_name=discovery.ign&api_key=${ie.agent_token}`) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toMatch(/not the download token/);
    const unknown = await app.inject({ method: 'GET', url: files({ id: '0c1e5a52-7a0e-4c2b-9a53-2b1f5d7f0c11' }, `file_name=discovery.ign&api_key=${ie.download_token}`) });
    expect(unknown.statusCode).toBe(404);
    expect(swaggerErrors('error', unknown.json())).toEqual([]);
  });

  it('checks the query with upstream\'s enums and formats (400 with upstream\'s body)', async () => {
    const ie = await createInfraEnv();
    for (const query of ['file_name=bootstrap.ign', '', 'file_name=ipxe-script&mac=zz', 'file_name=discovery.ign&agent_source=docker', 'file_name=ipxe-script&ipxe_script_type=always']) {
      const res = await app.inject({ method: 'GET', url: files(ie, query), headers: admin });
      expect(res.statusCode, query).toBe(400);
      // upstream's rewritten validation failure (its code 400 is outside infra_error's own range).
      expect(res.json()).toEqual({ code: 400, message: expect.stringMatching(/^validation failure list:\n.* in querystring /) });
    }
    const noMac = await app.inject({ method: 'GET', url: files(ie, 'file_name=ipxe-script&ipxe_script_type=boot-order-control'), headers: admin });
    expect(noMac.statusCode).toBe(400);
    const withMac = await app.inject({ method: 'GET', url: files(ie, 'file_name=ipxe-script&ipxe_script_type=boot-order-control&mac=52:54:00:aa:00:02'), headers: admin });
    expect(withMac.statusCode).toBe(200);
    const network = await app.inject({ method: 'GET', url: files(ie, 'file_name=static-network-config'), headers: admin });
    expect(network.statusCode).toBe(404);
  });

  it('hands out an iPXE script whose ignition URL works without the operator token', async () => {
    const ie = await createInfraEnv();
    const res = await app.inject({ method: 'GET', url: local(ie.discovery_urls.ipxe_script) });
    expect(res.statusCode, res.body).toBe(200);
    const lines = res.body.split('\n');
    expect(lines[0]).toBe('#!ipxe');
    expect(lines[1]).toBe(`initrd --name initrd ${BOOT.initrdUrl}`);
    expect(lines[2]).toContain(`kernel ${BOOT.kernelUrl} initrd=initrd coreos.live.rootfs_url=${BOOT.rootfsUrl} `);
    const ignitionUrl = /ignition\.config\.url=(\S+)/.exec(lines[2] ?? '')?.[1] ?? '';
    expect(ignitionUrl).toBe(ie.discovery_urls.ignition);
    const ignition = await app.inject({ method: 'GET', url: local(ignitionUrl) });
    expect(ignition.statusCode).toBe(200);
    expect(ignitionErrors(JSON.parse(ignition.body))).toEqual([]);
    // agent_source carries over to the ignition URL the script names.
    const podman = await app.inject({ method: 'GET', url: files(ie, 'file_name=ipxe-script&agent_source=podman'), headers: admin });
    const podmanUrl = /ignition\.config\.url=(\S+)/.exec(podman.body)?.[1] ?? '';
    const podmanIgnition = await app.inject({ method: 'GET', url: local(podmanUrl) });
    expect(JSON.parse(podmanIgnition.body).systemd.units[0].contents).toContain('/usr/bin/podman run');
  });

  it('refuses a rotated download token (401) and an expired one (401), and the presigned URL carries the new one', async () => {
    const ie = await createInfraEnv();
    const rotated = await app.inject({ method: 'POST', url: api(`/v2/infra-envs/${ie.id}/actions/rotate-download-token`), headers: admin, payload: { valid_for_seconds: 3600 } });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const next = rotated.json() as InfraEnv;
    expect(next.download_token).not.toBe(ie.download_token);
    expect(next.agent_token).toBe(ie.agent_token);
    expect(next.download_token_expires_at).toBe('2026-11-21T11:00:00.000Z');
    const old = await app.inject({ method: 'GET', url: local(ie.discovery_urls.ipxe_script) });
    expect(old.statusCode).toBe(401);
    expect(old.json().message).toMatch(/may have been rotated/);
    expect((await app.inject({ method: 'GET', url: local(next.discovery_urls.ipxe_script) })).statusCode).toBe(200);

    const presigned = await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/downloads/files-presigned?file_name=ipxe-script`), headers: admin });
    expect(presigned.statusCode).toBe(200);
    expect(swaggerErrors('presigned-url', presigned.json())).toEqual([]);
    expect(presigned.json()).toEqual({ url: next.discovery_urls.ipxe_script, expires_at: '2026-11-21T11:00:00.000Z' });
    expect((await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/downloads/files-presigned?file_name=ipxe-script`) })).statusCode).toBe(401);

    t.clock.now = new Date('2026-11-21T11:00:01Z');
    const expired = await app.inject({ method: 'GET', url: local(next.discovery_urls.ipxe_script) });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().message).toMatch(/expired at 2026-11-21T11:00:00.000Z/);
    // The operator is never locked out.
    expect((await app.inject({ method: 'GET', url: files(ie, 'file_name=ipxe-script'), headers: admin })).statusCode).toBe(200);
  });

  it('after an agent-token rotation, the old token gets 401 saying so, the new one registers, and new files carry it', async () => {
    const ie = await createInfraEnv();
    const rotated = (await app.inject({ method: 'POST', url: api(`/v2/infra-envs/${ie.id}/actions/rotate-agent-token`), headers: admin })).json() as InfraEnv;
    expect(rotated.agent_token).not.toBe(ie.agent_token);
    const body = { host_id: '5a3f0a52-7a0e-4c2b-9a53-2b1f5d7f0c11' };
    const old = await app.inject({ method: 'POST', url: api(`/v2/infra-envs/${ie.id}/hosts`), headers: { 'x-secret-key': ie.agent_token }, payload: body });
    expect(old.statusCode).toBe(401);
    expect(old.json().message).toBe(`X-Secret-Key is not the agent token of infra-env ${ie.id}; the agent token was rotated at 2026-11-21T10:00:00.000Z`);
    // The old token is no agent token anywhere now: naming an unknown infra-env it gets 401, not the 404 that stops an agent.
    const elsewhere = await app.inject({ method: 'POST', url: api('/v2/infra-envs/0c1e5a52-7a0e-4c2b-9a53-2b1f5d7f0c11/hosts'), headers: { 'x-secret-key': ie.agent_token }, payload: body });
    expect(elsewhere.statusCode).toBe(401);
    const fresh = await app.inject({ method: 'POST', url: api(`/v2/infra-envs/${ie.id}/hosts`), headers: { 'x-secret-key': rotated.agent_token }, payload: body });
    expect(fresh.statusCode).toBe(201);
    const cloudInit = await app.inject({ method: 'GET', url: local(rotated.discovery_urls.cloud_init) });
    expect(cloudInit.body).toContain(`PULL_SECRET_TOKEN="${rotated.agent_token}"`);
    expect(cloudInit.body).not.toContain(ie.agent_token);
    // The rotation survives a restart (it is in the store, not only in memory).
    const events = (await app.inject({ method: 'GET', url: api(`/v2/events?infra_env_id=${ie.id}`), headers: admin })).json() as { message: string }[];
    expect(events.map((e) => e.message)).toContain('Infra-env rack-12: agent token rotated');
    expect((await service.store.getInfraEnv(ie.id))?.agentToken).toBe(rotated.agent_token);
  });

  it('refuses SSH keys that are not public keys (400)', async () => {
    for (const key of ['-----BEGIN OPENSSH PRIVATE KEY-----', 'ssh-ed25519', `${KEY}\nnot a key`, 'ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIGm7']) {
      const res = await app.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: admin, payload: { name: 'x', ssh_authorized_key: key } });
      expect(res.statusCode, key).toBe(400);
      expect(swaggerErrors('error', res.json())).toEqual([]);
    }
  });

  it('names the request\'s Host when no --public-url is set, and refuses a Host it cannot put in a file', async () => {
    await t.close();
    await binaries.close();
    await start({});
    const ie = await createInfraEnv();
    const res = await app.inject({ method: 'GET', url: files(ie, 'file_name=discovery.ign'), headers: { ...admin, host: 'inband.lab.example.com:8443' } });
    expect(JSON.parse(res.body).systemd.units[0].contents).toContain('--url http://inband.lab.example.com:8443 ');
    const bad = await app.inject({ method: 'GET', url: files(ie, 'file_name=discovery.ign'), headers: { ...admin, host: 'evil.example.com"$(reboot)' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().reason).toMatch(/--public-url/);
  });
});

describe('agent binary downloads', () => {
  const binaryUrl = api('/v2/agent-binaries/x86_64/inband');

  it('lists what it serves, with digests and URLs', async () => {
    const res = await app.inject({ method: 'GET', url: api('/v2/agent-binaries') });
    const bytes = readFileSync(binaryFile);
    expect(res.json()).toEqual([
      {
        cpu_architecture: 'x86_64',
        size_bytes: bytes.length,
        sha256: binaries.list()[0]?.sha256,
        sha512: binaries.list()[0]?.sha512,
        url: `${PUBLIC}${binaryUrl}`,
        gzip_url: `${PUBLIC}${binaryUrl}.gz`,
        sha256_url: `${PUBLIC}${binaryUrl}.sha256`,
        sha512_url: `${PUBLIC}${binaryUrl}.sha512`,
      },
    ]);
    const sums = await app.inject({ method: 'GET', url: `${binaryUrl}.sha256` });
    expect(sums.body).toBe(`${binaries.list()[0]?.sha256}  inband\n`);
  });

  it('sends the binary with a strong ETag, 304 on If-None-Match, one byte range on Range, 416 past the end', async () => {
    const bytes = readFileSync(binaryFile);
    const full = await app.inject({ method: 'GET', url: binaryUrl });
    expect(full.statusCode).toBe(200);
    expect(full.rawPayload.equals(bytes)).toBe(true);
    expect(full.headers['content-length']).toBe(String(bytes.length));
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.headers['content-encoding']).toBeUndefined();
    const etag = String(full.headers.etag);
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);

    const cached = await app.inject({ method: 'GET', url: binaryUrl, headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect(cached.statusCode).toBe(304);
    expect(cached.rawPayload.length).toBe(0);

    const part = await app.inject({ method: 'GET', url: binaryUrl, headers: { range: 'bytes=1000-1999' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(part.rawPayload.equals(bytes.subarray(1000, 2000))).toBe(true);
    const tail = await app.inject({ method: 'GET', url: binaryUrl, headers: { range: 'bytes=-10' } });
    expect(tail.rawPayload.equals(bytes.subarray(bytes.length - 10))).toBe(true);
    // A resumed download of bytes that changed since: the whole file, not a splice.
    const stale = await app.inject({ method: 'GET', url: binaryUrl, headers: { range: 'bytes=10-', 'if-range': '"0000"' } });
    expect(stale.statusCode).toBe(200);
    const past = await app.inject({ method: 'GET', url: binaryUrl, headers: { range: `bytes=${bytes.length}-` } });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${bytes.length}`);

    const head = await app.inject({ method: 'HEAD', url: binaryUrl });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(bytes.length));
    expect(head.rawPayload.length).toBe(0);
  });

  it('compresses for a client that asks, and serves the gzip file itself as inband.gz (Ignition)', async () => {
    const bytes = readFileSync(binaryFile);
    const encoded = await app.inject({ method: 'GET', url: binaryUrl, headers: { 'accept-encoding': 'deflate, gzip;q=0.8, br' } });
    expect(encoded.headers['content-encoding']).toBe('gzip');
    expect(encoded.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(encoded.rawPayload).equals(bytes)).toBe(true);
    expect(encoded.headers.etag).not.toBe((await app.inject({ method: 'GET', url: binaryUrl })).headers.etag);
    const refused = await app.inject({ method: 'GET', url: binaryUrl, headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();

    const file = await app.inject({ method: 'GET', url: `${binaryUrl}.gz` });
    expect(file.headers['content-type']).toBe('application/gzip');
    expect(file.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(file.rawPayload).equals(bytes)).toBe(true);
  });

  it('answers 404 for an architecture it has no build of, and 503 once the file was rewritten in place', async () => {
    const arm = await app.inject({ method: 'GET', url: api('/v2/agent-binaries/aarch64/inband') });
    expect(arm.statusCode).toBe(404);
    expect(swaggerErrors('error', arm.json())).toEqual([]);
    writeFileSync(binaryFile, 'rewritten', { flag: 'a' });
    const changed = await app.inject({ method: 'GET', url: binaryUrl });
    expect(changed.statusCode).toBe(503);
    expect(changed.json().reason).toMatch(/changed on disk since the service hashed it; restart the service/);
  });
});
