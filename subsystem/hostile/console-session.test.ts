/**
 * The console's surface on the packaged service: its files (served from inside the executable, with
 * nothing beside it), sign-in and the live stream. Only the operator token signs in, but the sign-in
 * route and the stream are reachable by anyone who can reach the port: bodies, cookies and stream
 * counts are bounded, and every refusal is a 4xx in upstream's shapes.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, chmodSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { startAgent, stopAllAgents, type AgentProcess } from '../support/agent.js';
import { BINARY } from '../support/build.js';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);
const TOKEN = 'hostile-console-operator-token';
const CONSOLE_GZIP_BUDGET = 150 * 1000;
let serve: AgentProcess;
let port = 0;
let origin = '';

async function signIn(token = TOKEN, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${origin}/console/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }) });
}

const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

beforeAll(async () => {
  // The executable alone in a directory: the console must come from inside it.
  const alone = tempDir('console-alone');
  const binary = path.join(alone, 'inband');
  copyFileSync(BINARY, binary);
  chmodSync(binary, 0o755);
  port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(alone, 'data'), '--admin-token', TOKEN, '--with-stdout-logging=false'], {}, binary);
  await serve.waitForOutput('stderr', /console at/, 30_000);
  expect(readdirSync(alone).sort()).toEqual(['data', 'inband']);
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

describe('console files from the single executable', () => {
  it('serves the page, script and style with nothing beside the binary, within 150 KB gzipped', async () => {
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.sort()).toEqual(['/console/assets/app.css', '/console/assets/app.js']);
    let gzipTotal = Buffer.byteLength(html);
    for (const asset of ['/', ...assets]) {
      // Raw bytes as sent: fetch would decompress, so ask with a plain socket-level client.
      const { stdout } = await run('curl', ['-s', '-H', 'Accept-Encoding: gzip', '-o', '-', '-w', '\n%{size_download} %{http_code}', `${origin}${asset}`], { encoding: 'buffer', timeout: 10_000, maxBuffer: 8 * 1024 * 1024 });
      const text = stdout.toString('latin1');
      const [size, code] = text.slice(text.lastIndexOf('\n') + 1).split(' ');
      expect(code, asset).toBe('200');
      const body = stdout.subarray(0, stdout.lastIndexOf(0x0a));
      expect(gunzipSync(body).length, asset).toBeGreaterThan(100);
      if (asset !== '/') gzipTotal += Number(size);
    }
    expect(gzipTotal).toBeLessThanOrEqual(CONSOLE_GZIP_BUDGET);
    const script = await (await fetch(`${origin}/console/assets/app.js`)).text();
    // No CDN, nothing fetched from elsewhere at run time.
    expect(script).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i);
  });
});

describe('sign-in under abuse', () => {
  it('bodies over 1 KiB are 413 before parsing; malformed ones 400; wrong and agent tokens 401', async () => {
    const ie = (await (await fetch(`${origin}/api/assisted-install/v2/infra-envs`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"name":"h"}' })).json()) as { agent_token: string };
    const big = await fetch(`${origin}/console/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ token: 'x'.repeat(2_000_000) }) });
    expect(big.status).toBe(413);
    for (const body of ['{', '[]', '{"token":5}', '{"token":""}', '{"__proto__":{"x":1},"token":"a"}']) {
      const res = await fetch(`${origin}/console/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
    }
    expect((await signIn('wrong')).status).toBe(401);
    const agent = await signIn(ie.agent_token);
    expect(agent.status).toBe(401);
    expect(agent.headers.get('set-cookie')).toBeNull();
    expect((await signIn(TOKEN, { origin: 'http://attacker.example' })).status).toBe(403);
  });

  it('sessions are bounded: after 64 newer sign-ins the first session is gone', async () => {
    const first = await signIn();
    expect(first.status).toBe(201);
    const cookie = cookieOf(first);
    const works = async () => (await fetch(`${origin}/api/assisted-install/v2/infra-envs`, { headers: { cookie } })).status;
    expect(await works()).toBe(200);
    for (let i = 0; i < 64; i++) expect((await signIn()).status).toBe(201);
    expect(await works()).toBe(401);
  });

  it('hostile cookies are 401, fast', async () => {
    for (const cookie of ['inband_session=' + 'a'.repeat(8000), ';'.repeat(8000), 'inband_session', 'inband_session=\u00ff', 'a=b; inband_session=; c=d']) {
      const started = Date.now();
      const res = await fetch(`${origin}/api/assisted-install/v2/infra-envs`, { headers: { cookie: Buffer.from(cookie, 'latin1').toString('latin1') } });
      expect(res.status, cookie.slice(0, 40)).toBe(401);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
  });
});

describe('live streams under abuse', () => {
  it('at most 4 per session and 32 in all: the rest get 429, and the service stays healthy', async () => {
    const cookies: string[] = [];
    for (let i = 0; i < 9; i++) cookies.push(cookieOf(await signIn()));
    const open: Response[] = [];
    const statuses: number[] = [];
    for (const cookie of cookies) {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${origin}/api/assisted-install/v2/changes`, { headers: { cookie } });
        statuses.push(res.status);
        if (res.status === 200) open.push(res);
        else await res.text();
      }
    }
    expect(statuses.filter((s) => s === 200).length).toBe(32);
    expect(statuses.filter((s) => s === 429).length).toBe(45 - 32);
    // Per session: the fifth of the first session was refused while the total still had room.
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 429]);
    expect((await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) })).status).toBe(200);
    for (const res of open) await res.body?.cancel();
    // Slots come back when the clients go.
    await new Promise((r) => setTimeout(r, 300));
    const again = await fetch(`${origin}/api/assisted-install/v2/changes`, { headers: { cookie: cookies[0] as string } });
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });
});

describe('over TLS', () => {
  it('the session cookie is Secure', async () => {
    const dir = tempDir('console-tls');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { timeout: 30_000 });
    const tlsPort = await freePort();
    const tls = startAgent(['serve', '--listen', `127.0.0.1:${tlsPort}`, '--data-dir', path.join(dir, 'data'), '--admin-token', TOKEN, '--tls-cert', path.join(dir, 'c.pem'), '--tls-key', path.join(dir, 'k.pem'), '--with-stdout-logging=false']);
    await tls.waitForOutput('stderr', /serving on https/, 30_000);
    const tlsOrigin = `https://127.0.0.1:${tlsPort}`;
    const { stdout } = await run('curl', ['-s', '-D', '-', '-o', '/dev/null', '--cacert', path.join(dir, 'c.pem'), '-H', `Origin: ${tlsOrigin}`, '-H', 'Content-Type: application/json', '--data', JSON.stringify({ token: TOKEN }), `${tlsOrigin}/console/session`], { timeout: 10_000 });
    expect(stdout).toMatch(/^HTTP\/1\.1 201/);
    const setCookie = /^set-cookie: (.*)$/im.exec(stdout)?.[1] ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/; Secure/);
    await tls.stop();
  });
});
