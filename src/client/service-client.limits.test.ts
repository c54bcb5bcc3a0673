/**
 * The client against hostile services on loopback (real sockets, no msw): every call ends within
 * its deadline, answers are read within their cap, redirects never carry the token elsewhere,
 * and polling with one long-lived signal leaves no listeners behind.
 */
import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError, MalformedResponseError, ApiError } from './api-error.js';
import { clampDelay, clientLimitsFromEnv, DEFAULT_CLIENT_LIMITS, DELAY_BOUNDS } from './limits.js';
import { ServiceClient } from './service-client.js';

const IE = '0c1e8a4e-1111-4e5f-9a0b-0c1d2e3f4a5b';
const HOST = '5a3f0a52-7a0e-4c2b-9a53-2b1f5d7f0c11';
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function client(url: string, limits: Partial<typeof DEFAULT_CLIENT_LIMITS> = {}): ServiceClient {
  return new ServiceClient({ url, infraEnvId: IE, agentVersion: 'v1', token: 'agent-token', retry: { retries: 2, baseMs: 1, capMs: 5 }, limits });
}

describe('deadlines', () => {
  it('gives up on a service that drips its answer a byte at a time, within the deadline, retries included', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const error = await client(url, { callDeadlineMs: 600 }).nextSteps(HOST, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toBe('get next steps: no complete answer within 0.6 s');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up on a service that never answers', async () => {
    const { url, requests } = await serve(() => undefined);
    const started = Date.now();
    await expect(client(url, { callDeadlineMs: 400 }).register(HOST)).rejects.toThrow('register host: no complete answer within 0.4 s');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(requests.length).toBeGreaterThanOrEqual(1);
  });
});

describe('answer size', () => {
  it('refuses an answer over the cap without reading the rest, declared or not', async () => {
    let written = 0;
    const { url } = await serve((req, res) => {
      if (req.url?.includes('declared')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1e9) });
        res.write('{');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (written < 200 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (written < 200 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    const error = await client(url, { maxBodyBytes: 1024 * 1024 }).nextSteps(HOST, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toMatch(/the answer is larger than the 1048576 bytes the agent accepts/);
    // The rest of the 200 MB was never pulled: the server got stuck on back-pressure long before.
    expect(written).toBeLessThan(50 * 1024 * 1024);
    const declared = await client(`${url}/declared`, { maxBodyBytes: 1024 }).nextSteps(HOST, 1).catch((e: unknown) => e);
    expect(declared).toBeInstanceOf(MalformedResponseError);
  });
});

describe('redirects', () => {
  it('never sends the token to the origin a redirect names, and says to fix --url', async () => {
    const elsewhere = await serve((_req, res) => res.end('{}'));
    const { url } = await serve((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/api/assisted-install/v2/infra-envs/${IE}/hosts` });
      res.end();
    });
    const error = await client(url).register(HOST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(307);
    expect((error as Error).message).toContain(`redirected to ${elsewhere.url}`);
    expect((error as Error).message).toContain(`its token goes only to ${url}: give the final address as --url`);
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('listeners', () => {
  it('leaves no abort listener on the caller\'s signal after many calls, answered or failed', async () => {
    let n = 0;
    const { url } = await serve((_req, res) => {
      n += 1;
      if (n % 3 === 0) res.writeHead(503).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"instructions":[],"next_instruction_seconds":60}');
    });
    const long = new AbortController();
    const c = client(url);
    for (let i = 0; i < 200; i++) await c.nextSteps(HOST, 1, { signal: long.signal }).catch(() => undefined);
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(0);
  });
});

describe('service-given delays', () => {
  it('holds next_instruction_seconds to 1 s … 1 h and falls back on non-numbers, saying why', () => {
    const bounds = DELAY_BOUNDS.nextInstruction;
    expect(clampDelay(60, bounds, 60)).toEqual({ seconds: 60 });
    expect(clampDelay(undefined, bounds, 60)).toEqual({ seconds: 60 });
    expect(clampDelay(0, bounds, 60)).toEqual({ seconds: 1, note: '0 s is below the 1 s minimum; using 1' });
    expect(clampDelay(-1, bounds, 60)).toEqual({ seconds: 1, note: '-1 s is below the 1 s minimum; using 1' });
    expect(clampDelay(1e12, bounds, 60)).toEqual({ seconds: 3600, note: '1000000000000 s is above the 3600 s maximum; using 3600' });
    expect(clampDelay(Number.NaN, bounds, 60).seconds).toBe(60);
    expect(clampDelay('5', bounds, 60)).toEqual({ seconds: 60, note: '5 is not a number of seconds; using 60' });
  });

  it('lets INBAND_REQUEST_TIMEOUT_S shorten the deadlines but never lengthen them', () => {
    expect(clientLimitsFromEnv({ INBAND_REQUEST_TIMEOUT_S: '2' })).toMatchObject({ callDeadlineMs: 2000, replyDeadlineMs: 2000, uploadIdleMs: 2000 });
    expect(clientLimitsFromEnv({ INBAND_REQUEST_TIMEOUT_S: '100000' })).toEqual(DEFAULT_CLIENT_LIMITS);
    expect(clientLimitsFromEnv({ INBAND_REQUEST_TIMEOUT_S: 'soon' })).toEqual(DEFAULT_CLIENT_LIMITS);
  });
});
