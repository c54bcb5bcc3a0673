/**
 * Seeded fuzzer of the routes that hand out discovery files and the agent (INBAND_FUZZ_SEED,
 * INBAND_FUZZ_SCALE; `make fuzz` picks a random seed): generated queries, paths and headers with
 * no token, a wrong one, the download token and the operator token. Every answer must be a
 * status the route declares (never 500), in the upstream error shapes, and the service healthy.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fuzzSettings, nastyString, SeededRandom } from '../../test/support/fuzz/random.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { startAgent, stopAllAgents, type AgentProcess } from '../support/agent.js';
import { freePort } from '../support/free-port.js';

const TOKEN = 'fuzz-downloads-operator-token';
const settings = fuzzSettings();
let serve: AgentProcess;
let base = '';
let ie: { id: string; download_token: string; agent_token: string };

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}/api/assisted-install`;
  serve = startAgent([
    'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', tempDir('fuzz-downloads'), '--admin-token', TOKEN, '--with-stdout-logging=false',
    '--agent-image', 'quay.io/example/inband:fuzz', '--boot-kernel-url', 'http://192.0.2.1/k', '--boot-initrd-url', 'http://192.0.2.1/i', '--boot-rootfs-url', 'http://192.0.2.1/r',
  ]);
  await serve.waitForOutput('stderr', /serving on/, 30_000);
  const created = await fetch(`${base}/v2/infra-envs`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"name":"fuzz"}' });
  ie = (await created.json()) as typeof ie;
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

/** A path segment of any text: lone surrogates (which encodeURIComponent refuses) become U+FFFD first. */
const enc = (text: string): string => encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));

const FILE_NAMES = ['discovery.ign', 'ipxe-script', 'cloud-init', 'static-network-config'];
const PARAMS = ['file_name', 'mac', 'ipxe_script_type', 'discovery_iso_type', 'agent_source', 'api_key'];
const VALUES: Record<string, string[]> = {
  file_name: FILE_NAMES,
  mac: ['52:54:00:aa:00:02', '52-54-00-AA-00-02'],
  ipxe_script_type: ['discovery-image-always', 'boot-order-control'],
  discovery_iso_type: ['full-iso', 'minimal-iso'],
  agent_source: ['binary', 'podman'],
};

function query(random: SeededRandom): string {
  const params = new URLSearchParams();
  for (const name of PARAMS) {
    if (!random.chance(name === 'file_name' ? 0.9 : 0.4)) continue;
    const good = name === 'api_key' ? [ie.download_token, ie.agent_token] : (VALUES[name] ?? []);
    const value = random.chance(0.7) && good.length > 0 ? random.pick(good) : nastyString(random).slice(0, 4096);
    params.append(name, value);
    if (random.chance(0.05)) params.append(name, value);
  }
  return params.toString();
}

it('downloads/files, files-presigned, rotations and agent-binaries: no 500, upstream bodies, healthy', async () => {
  const random = new SeededRandom(settings.seed).fork('downloads');
  const iterations = Math.round(600 * settings.scale);
  const seen = new Map<number, number>();
  for (let i = 0; i < iterations; i++) {
    const auth = random.pick(['none', 'operator', 'wrong', 'agent']);
    const headers: Record<string, string> = {};
    if (auth === 'operator') headers.authorization = `Bearer ${TOKEN}`;
    if (auth === 'wrong') headers.authorization = `Bearer ${nastyString(random).replace(/[^\x21-\x7e]/g, '').slice(0, 200) || 'x'}`;
    if (auth === 'agent') headers['x-secret-key'] = ie.agent_token;
    const infraEnvId = random.chance(0.8) ? ie.id : enc(nastyString(random).slice(0, 100));
    const route = random.pick(['files', 'files', 'presigned', 'binary', 'binaries', 'rotate']);
    let url: string;
    let method = 'GET';
    if (route === 'files') url = `${base}/v2/infra-envs/${infraEnvId}/downloads/files?${query(random)}`;
    else if (route === 'presigned') url = `${base}/v2/infra-envs/${infraEnvId}/downloads/files-presigned?${query(random)}`;
    else if (route === 'binaries') url = `${base}/v2/agent-binaries?${query(random)}`;
    else if (route === 'rotate') {
      // Only ever rotated on a throwaway ID, so the fuzzer keeps its tokens.
      method = 'POST';
      url = `${base}/v2/infra-envs/${enc(nastyString(random).slice(0, 100))}/actions/rotate-download-token`;
    } else {
      const arch = random.chance(0.6) ? random.pick(['x86_64', 'aarch64', 'arm64']) : enc(nastyString(random).slice(0, 100));
      const file = random.chance(0.6) ? random.pick(['inband.sha256', 'inband.sha512']) : enc(nastyString(random).slice(0, 100));
      url = `${base}/v2/agent-binaries/${arch}/${file}`;
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new Error(`${method} ${url.slice(0, 300)}: ${(err as Error).message}\n${serve.describe()}`);
    }
    const text = await res.text();
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    expect([200, 400, 401, 404, 409], `${method} ${url.slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`).toContain(res.status);
    if (res.status >= 400) {
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(typeof body.code === 'number' ? 'infra_error' : body.kind, text.slice(0, 300)).toMatch(/^(infra_error|Error)$/);
    }
  }
  // The fuzzer reached past the auth check into the handlers.
  expect(seen.get(200) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(iterations / 20);
  expect(seen.get(400) ?? 0).toBeGreaterThan(0);
  expect(serve.running, serve.describe()).toBe(true);
  expect((await fetch(`${base.replace('/api/assisted-install', '')}/healthz`)).status).toBe(200);
}, 300_000);
