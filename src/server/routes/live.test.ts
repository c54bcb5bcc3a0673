import { describe, expect, it } from 'vitest';
import { ADMIN, HOST, startTestApp } from '../app-test-support.js';
import { PendingChanges } from '../live/change-stream.js';

/** Reads an SSE response until `until` matches what arrived, or the deadline. */
async function readUntil(body: ReadableStream<Uint8Array>, until: (text: string) => boolean, ms: number): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  try {
    while (!until(text)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const next = await Promise.race([reader.read(), new Promise<{ done: true; value: undefined }>((r) => setTimeout(() => r({ done: true, value: undefined }), left))]);
      if (next.done) break;
      text += decoder.decode(next.value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

async function listening(options: Parameters<typeof startTestApp>[0] = {}) {
  const t = await startTestApp(options);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const stream = (headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }) => fetch(`http://127.0.0.1:${port}/api/assisted-install/v2/changes`, { headers });
  return { t, stream };
}

describe('GET /v2/changes (live stream)', () => {
  it('streams a new host, its status and its events within the flush interval', async () => {
    const { t, stream } = await listening();
    const ie = await t.createInfraEnv();
    const res = await stream();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const started = Date.now();
    const reading = readUntil(res.body as ReadableStream<Uint8Array>, (text) => text.includes('host_registration_succeeded') && text.includes('"kind":"host"'), 5_000);
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.register(ie)).statusCode).toBe(201);
    const text = await reading;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(text).toMatch(/^retry: 1000$/m);
    const batches = [...text.matchAll(/^event: changes\ndata: (.*)$/gm)].flatMap((m) => JSON.parse(m[1] as string) as Record<string, unknown>[]);
    expect(batches).toContainEqual(expect.objectContaining({ kind: 'host', infra_env_id: ie.id, host_id: HOST, status: 'discovering' }));
    expect(batches.find((c) => c.kind === 'event')).toMatchObject({ event: { name: 'host_registration_succeeded', host_id: HOST, infra_env_id: ie.id } });
  });

  it('needs the operator: no token, the agent token and a forged cookie get 401', async () => {
    const { t, stream } = await listening();
    const ie = await t.createInfraEnv();
    expect((await stream({})).status).toBe(401);
    expect((await stream({ authorization: `Bearer ${ie.agent_token}` })).status).toBe(401);
    expect((await stream({ cookie: 'inband_session=forged' })).status).toBe(401);
  });

  it('bounds streams per owner and in all (429), and sends heartbeats', async () => {
    const { stream } = await listening({ liveLimits: { streamsPerSession: 2, streamsTotal: 3, heartbeatMs: 100 } });
    const first = await stream();
    const second = await stream();
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await stream();
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('10');
    expect(((await third.json()) as { reason: string }).reason).toMatch(/too many live streams/);
    expect(await readUntil(first.body as ReadableStream<Uint8Array>, (text) => text.includes(': heartbeat'), 2_000)).toContain(': heartbeat');
    // first was cancelled by the reader: its slot is free again once the server sees the close.
    await new Promise((r) => setTimeout(r, 200));
    const again = await stream();
    expect(again.status).toBe(200);
    await again.body?.cancel();
    await second.body?.cancel();
  });

  it('ends a stream at its lifetime, and all of them when the service closes', async () => {
    const { t, stream } = await listening({ liveLimits: { streamLifetimeMs: 300 } });
    const res = await stream();
    const started = Date.now();
    await readUntil(res.body as ReadableStream<Uint8Array>, () => false, 3_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    const open = await stream();
    expect(open.status).toBe(200);
    const closing = t.close();
    await expect(Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 5_000))])).resolves.toBe('closed');
  });
});

describe('PendingChanges', () => {
  it('sends a host once per flush (its latest change) and a resync instead of an unbounded buffer', () => {
    const pending = new PendingChanges(3);
    for (const status of ['discovering', 'insufficient', 'known'] as const) pending.add({ kind: 'host', infraEnvId: 'ie', hostId: 'h', status, statusInfo: '', updatedAt: '' });
    expect(pending.take()).toEqual([{ kind: 'host', infra_env_id: 'ie', host_id: 'h', status: 'known', status_info: '', updated_at: '' }]);
    for (let i = 0; i < 10; i++) pending.add({ kind: 'host', infraEnvId: 'ie', hostId: `h${i}`, status: 'known', statusInfo: '', updatedAt: '' });
    expect(pending.take()).toEqual([{ kind: 'resync' }]);
    expect(pending.take()).toEqual([]);
  });
});
