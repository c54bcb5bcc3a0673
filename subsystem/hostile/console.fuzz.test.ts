/**
 * Seeded fuzzer of the console's routes on the packaged service (INBAND_FUZZ_SEED,
 * INBAND_FUZZ_SCALE): `/`, `/console/assets/*`, `/console/session` (GET, POST, DELETE) and the live
 * stream `/v2/changes`, and the hosts list's `view` (the console's summary), with generated paths, bodies, cookies, Origins, CSRF headers and tokens
 * (none, wrong, the agent token, the operator token, a real session). Every answer must be one
 * the route declares (never 500), errors in upstream's shapes, and the service healthy after.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fuzzSettings, nastyString, randomJson, SeededRandom } from '../../test/support/fuzz/random.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { startAgent, stopAllAgents, type AgentProcess } from '../support/agent.js';
import { freePort } from '../support/free-port.js';

const TOKEN = 'fuzz-console-operator-token';
const settings = fuzzSettings();
let serve: AgentProcess;
let origin = '';
let agentToken = '';
let infraEnvId = '';

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', tempDir('fuzz-console'), '--admin-token', TOKEN, '--with-stdout-logging=false']);
  await serve.waitForOutput('stderr', /serving on/, 30_000);
  const created = await fetch(`${origin}/api/assisted-install/v2/infra-envs`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"name":"fuzz"}' });
  ({ agent_token: agentToken, id: infraEnvId } = (await created.json()) as { agent_token: string; id: string });
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

const enc = (text: string): string => encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
/** Header values must be ByteStrings without CR/LF for fetch; anything else is fair game. */
const headerSafe = (text: string): string => text.replace(/[^\x20-\x7e\x80-\xff]/g, '').slice(0, 4000);

async function session(): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${origin}/console/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
  expect(res.status).toBe(201);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrf: ((await res.json()) as { csrf_token: string }).csrf_token };
}

it('console files, sign-in, sign-out and the live stream: no 500, upstream bodies, healthy', async () => {
  const random = new SeededRandom(settings.seed).fork('console');
  const iterations = Math.round(500 * settings.scale);
  const seen = new Map<number, number>();
  let real = await session();
  for (let i = 0; i < iterations; i++) {
    const headers: Record<string, string> = {};
    const auth = random.pick(['none', 'bearer', 'bearer-agent', 'bearer-wrong', 'session', 'session', 'cookie-wrong']);
    if (auth === 'bearer') headers.authorization = `Bearer ${TOKEN}`;
    if (auth === 'bearer-agent') headers.authorization = `Bearer ${agentToken}`;
    if (auth === 'bearer-wrong') headers.authorization = headerSafe(nastyString(random)) || 'x';
    if (auth === 'session') headers.cookie = real.cookie;
    if (auth === 'cookie-wrong') headers.cookie = headerSafe(random.chance(0.5) ? `inband_session=${nastyString(random)}` : nastyString(random)) || 'x';
    if (random.chance(0.7)) headers.origin = random.chance(0.7) ? origin : headerSafe(nastyString(random)) || 'null';
    if (random.chance(0.6)) headers['x-csrf-token'] = random.chance(0.6) ? real.csrf : headerSafe(nastyString(random));
    if (random.chance(0.2)) headers['sec-fetch-site'] = random.pick(['same-origin', 'cross-site', 'same-site', 'none']);
    const route = random.pick(['page', 'asset', 'session-get', 'session-post', 'session-post', 'session-delete', 'changes', 'hosts-summary']);
    let method = 'GET';
    let url = `${origin}/`;
    let body: string | undefined;
    if (route === 'asset') url = `${origin}/console/assets/${random.chance(0.5) ? random.pick(['app.js', 'app.css', 'index.html']) : enc(nastyString(random).slice(0, 200))}`;
    if (route.startsWith('session')) url = `${origin}/console/session`;
    if (route === 'session-post') {
      method = 'POST';
      headers['content-type'] = random.chance(0.9) ? 'application/json' : headerSafe(nastyString(random)) || 'text/plain';
      const roll = random.next();
      body = roll < 0.3 ? JSON.stringify({ token: random.pick([TOKEN, agentToken, nastyString(random)]) }) : roll < 0.7 ? JSON.stringify(randomJson(random)) : nastyString(random);
    }
    if (route === 'session-delete') method = 'DELETE';
    // The list the console reads, with its view parameter (summary, full, or anything).
    if (route === 'hosts-summary') url = `${origin}/api/assisted-install/v2/infra-envs/${infraEnvId}/hosts?view=${enc(random.chance(0.5) ? random.pick(['summary', 'full']) : nastyString(random).slice(0, 300))}`;
    if (route === 'changes') url = `${origin}/api/assisted-install/v2/changes${random.chance(0.3) ? `?${enc(nastyString(random).slice(0, 200))}` : ''}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new Error(`${method} ${url.slice(0, 200)}: ${(err as Error).message}\n${serve.describe()}`);
    }
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    const what = `${method} ${url.slice(0, 200)} (${auth}) → ${res.status}`;
    if (route === 'changes' && res.status === 200) {
      expect(res.headers.get('content-type'), what).toMatch(/^text\/event-stream/);
      await res.body?.cancel();
      continue;
    }
    const text = await res.text();
    expect([200, 201, 204, 304, 400, 401, 403, 404, 413, 415, 429], `${what} ${text.slice(0, 300)}`).toContain(res.status);
    if (res.status >= 400) {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      expect(typeof parsed.code === 'number' ? 'infra_error' : parsed.kind, text.slice(0, 300)).toMatch(/^(infra_error|Error)$/);
    }
    // A fuzzed sign-out may end the real session; make another so later draws still reach past auth.
    if (route === 'session-delete' && res.status === 204) real = await session();
  }
  expect(seen.get(200) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(iterations / 10);
  expect(seen.get(403) ?? 0).toBeGreaterThan(0);
  expect(seen.get(401) ?? 0).toBeGreaterThan(0);
  expect(serve.running, serve.describe()).toBe(true);
  expect((await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) })).status).toBe(200);
}, 300_000);
