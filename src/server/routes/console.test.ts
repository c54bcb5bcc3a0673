import { describe, expect, it } from 'vitest';
import { ADMIN, admin, api, startTestApp } from '../app-test-support.js';
import { ConsoleAssets } from '../console/assets.js';
import { ConsoleSessions } from '../console/sessions.js';

const ORIGIN = 'http://localhost:80';
const assets = () => ConsoleAssets.fromContents({ 'index.html': '<!doctype html><title>t</title>', 'app.js': 'console.log(1);'.repeat(200), 'app.css': 'body{}' });

async function signIn(t: Awaited<ReturnType<typeof startTestApp>>, token = ADMIN, origin = ORIGIN) {
  return t.inject({ method: 'POST', url: '/console/session', headers: { origin, host: 'localhost:80' }, payload: { token } });
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = String(res.headers['set-cookie'] ?? '');
  return set.split(';')[0] ?? '';
}

describe('console files', () => {
  it('serves the page at / with a strict CSP, gzip when asked, 304 on its ETag, 404 for any other name', async () => {
    const t = await startTestApp({ consoleAssets: assets() });
    const page = await t.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.body).toContain('<title>t</title>');
    const js = await t.inject({ method: 'GET', url: '/console/assets/app.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(js.rawPayload.length).toBeLessThan(3000 / 2);
    const again = await t.inject({ method: 'GET', url: '/console/assets/app.js', headers: { 'if-none-match': String(js.headers.etag) } });
    expect(again.statusCode).toBe(304);
    for (const name of ['..%2F..%2Fetc%2Fpasswd', 'app.js.map', 'index.htm', '%00']) {
      const res = await t.inject({ method: 'GET', url: `/console/assets/${name}` });
      expect(res.statusCode, name).toBe(404);
    }
  });

  it('says so when the build has no console', async () => {
    const t = await startTestApp();
    const page = await t.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(404);
    expect(page.json().reason).toMatch(/no console/);
  });
});

describe('console sign-in', () => {
  it('the operator token makes an HttpOnly, SameSite=Strict session that reads the operator API', async () => {
    const t = await startTestApp({ consoleAssets: assets() });
    const res = await signIn(t);
    expect(res.statusCode, res.body).toBe(201);
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(/^inband_session=[A-Za-z0-9_-]{43}; /);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).not.toContain('Secure'); // plain HTTP here; the TLS case is in subsystem/hostile/console-session.test.ts
    const cookie = cookieOf(res);
    const list = await t.inject({ method: 'GET', url: api('/v2/infra-envs'), headers: { cookie } });
    expect(list.statusCode).toBe(200);
    const current = await t.inject({ method: 'GET', url: '/console/session', headers: { cookie } });
    expect(current.json()).toEqual({ auth_mode: 'token', csrf_token: res.json().csrf_token });
  });

  it('refuses a wrong token, the agent token, a missing or foreign Origin', async () => {
    const t = await startTestApp({ consoleAssets: assets() });
    const ie = await t.createInfraEnv();
    expect((await signIn(t, 'wrong')).statusCode).toBe(401);
    const agent = await signIn(t, ie.agent_token);
    expect(agent.statusCode).toBe(401);
    expect(agent.headers['set-cookie']).toBeUndefined();
    expect((await t.inject({ method: 'GET', url: api('/v2/infra-envs'), headers: { authorization: `Bearer ${ie.agent_token}` } })).statusCode).toBe(401);
    expect((await signIn(t, ADMIN, 'http://evil.example')).statusCode).toBe(403);
    const noOrigin = await t.inject({ method: 'POST', url: '/console/session', payload: { token: ADMIN } });
    expect(noOrigin.statusCode).toBe(403);
    const crossSite = await t.inject({ method: 'POST', url: '/console/session', headers: { origin: ORIGIN, host: 'localhost:80', 'sec-fetch-site': 'cross-site' }, payload: { token: ADMIN } });
    expect(crossSite.statusCode).toBe(403);
    expect((await t.inject({ method: 'GET', url: '/console/session' })).statusCode).toBe(401);
    expect((await t.inject({ method: 'GET', url: api('/v2/infra-envs'), headers: { cookie: 'inband_session=forged' } })).statusCode).toBe(401);
  });

  it('changes through the session need the CSRF header and this Origin; bearer calls do not', async () => {
    const t = await startTestApp({ consoleAssets: assets() });
    const res = await signIn(t);
    const cookie = cookieOf(res);
    const csrf = res.json().csrf_token as string;
    const create = (headers: Record<string, string>) => t.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: { cookie, host: 'localhost:80', ...headers }, payload: { name: 'x' } });
    expect((await create({ origin: ORIGIN })).statusCode).toBe(403);
    expect((await create({ origin: ORIGIN, 'x-csrf-token': 'nope' })).statusCode).toBe(403);
    expect((await create({ 'x-csrf-token': csrf })).statusCode).toBe(403);
    expect((await create({ origin: 'http://evil.example', 'x-csrf-token': csrf })).statusCode).toBe(403);
    const ok = await create({ origin: ORIGIN, 'x-csrf-token': csrf });
    expect(ok.statusCode, ok.body).toBe(201);
    const id = ok.json().id as string;
    expect((await t.inject({ method: 'DELETE', url: api(`/v2/infra-envs/${id}`), headers: { cookie, host: 'localhost:80', origin: ORIGIN } })).statusCode).toBe(403);
    expect((await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${id}`), headers: admin })).statusCode).toBe(200);
    expect((await t.inject({ method: 'DELETE', url: api(`/v2/infra-envs/${id}`), headers: admin })).statusCode).toBe(204);
  });

  it('signing out ends the session and clears the cookie', async () => {
    const t = await startTestApp({ consoleAssets: assets() });
    const res = await signIn(t);
    const cookie = cookieOf(res);
    const csrf = res.json().csrf_token as string;
    expect((await t.inject({ method: 'DELETE', url: '/console/session', headers: { cookie } })).statusCode).toBe(403);
    const out = await t.inject({ method: 'DELETE', url: '/console/session', headers: { cookie, host: 'localhost:80', origin: ORIGIN, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^inband_session=; .*Max-Age=0/);
    expect((await t.inject({ method: 'GET', url: api('/v2/infra-envs'), headers: { cookie } })).statusCode).toBe(401);
  });

  it('--auth none opens the console without sign-in', async () => {
    const t = await startTestApp({ consoleAssets: assets(), authMode: 'none' });
    expect((await t.inject({ method: 'GET', url: '/console/session' })).json()).toEqual({ auth_mode: 'none', csrf_token: '' });
    expect((await t.inject({ method: 'GET', url: api('/v2/infra-envs') })).statusCode).toBe(200);
  });
});

describe('ConsoleSessions', () => {
  it('holds at most maxSessions (least recently used goes), and ends sessions by lifetime and by idleness', () => {
    let now = 0;
    const sessions = new ConsoleSessions({ maxSessions: 3, sessionLifetimeMs: 1000, sessionIdleMs: 300 }, () => now);
    const made = [sessions.create(), sessions.create(), sessions.create()];
    now = 10;
    expect(sessions.find(made[0]?.cookieValue)).toBeDefined(); // used: now the most recent
    const fourth = sessions.create();
    expect(sessions.size).toBe(3);
    expect(sessions.find(made[1]?.cookieValue)).toBeUndefined(); // the least recently used went
    expect(sessions.find(made[0]?.cookieValue)).toBeDefined();
    now = 200;
    expect(sessions.find(made[0]?.cookieValue)).toBeDefined();
    now = 400; // fourth idle for 390 ms, made[0] for 200
    expect(sessions.find(fourth.cookieValue)).toBeUndefined();
    for (now = 400; now < 1000; now += 200) expect(sessions.find(made[0]?.cookieValue), `at ${now}`).toBeDefined();
    now = 1000;
    expect(sessions.find(made[0]?.cookieValue)).toBeUndefined(); // lifetime over, however active
    expect(sessions.find('x'.repeat(500))).toBeUndefined();
    expect(sessions.find(undefined)).toBeUndefined();
  });
});
