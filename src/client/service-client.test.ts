import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { ServiceClient } from './service-client.js';
import { ApiError, MalformedResponseError, NetworkError } from './api-error.js';
import { swaggerErrors } from '../../test/support/swagger.js';
import { tempDir } from '../../test/support/temp-dir.js';

const BASE = 'http://service.test:8090';
const IE = '11111111-1111-1111-1111-111111111111';
const HOST = '22222222-2222-2222-2222-222222222222';
const API = `${BASE}/api/assisted-install/v2/infra-envs/${IE}/hosts`;
const VERSION = 'quay.io/edge-infrastructure/assisted-installer-agent:latest';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(overrides: Partial<ConstructorParameters<typeof ServiceClient>[0]> = {}): ServiceClient {
  return new ServiceClient({
    url: BASE,
    infraEnvId: IE,
    agentVersion: VERSION,
    token: 'OpenShiftToken',
    retry: { retries: 3, baseMs: 1, capMs: 2 },
    ...overrides,
  });
}

const registration = {
  id: HOST,
  kind: 'Host',
  href: `/api/assisted-install/v2/infra-envs/${IE}/hosts/${HOST}`,
  status: 'discovering',
  status_info: 'waiting',
  next_step_runner_command: {
    args: [JSON.stringify({ agent_version: VERSION, host_id: HOST, infra_env_id: IE })],
    retry_seconds: 5,
  },
};

describe('ServiceClient.register', () => {
  it('posts host-create-params with upstream headers and a newline-terminated JSON body', async () => {
    let seen: { headers: Headers; body: string } | undefined;
    server.use(
      http.post(API, async ({ request }) => {
        seen = { headers: request.headers, body: await request.text() };
        return HttpResponse.json(registration, { status: 201 });
      }),
    );
    const answer = await client().register(HOST, { requestId: 'req-1' });
    expect(answer.next_step_runner_command?.retry_seconds).toBe(5);
    expect(seen?.headers.get('x-secret-key')).toBe('OpenShiftToken');
    expect(seen?.headers.get('x-request-id')).toBe('req-1');
    expect(seen?.headers.get('discovery_agent_version')).toBe(VERSION);
    expect(seen?.headers.get('accept')).toBe('application/json');
    expect(seen?.headers.get('content-type')).toBe('application/json');
    expect(seen?.body.endsWith('}\n')).toBe(true);
    const body = JSON.parse(seen?.body ?? '');
    expect(body).toEqual({ host_id: HOST, discovery_agent_version: VERSION });
    expect(swaggerErrors('host-create-params', body)).toEqual([]);
  });

  it('sends X-Secret-Key even when the token is empty, and a fresh UUID request id per call', async () => {
    const seen: Headers[] = [];
    server.use(
      http.post(API, ({ request }) => {
        seen.push(request.headers);
        return HttpResponse.json(registration, { status: 201 });
      }),
    );
    const c = client({ token: '' });
    await c.register(HOST);
    await c.register(HOST);
    expect(seen[0]?.has('x-secret-key')).toBe(true);
    expect(seen[0]?.get('x-secret-key')).toBe('');
    const ids = seen.map((h) => h.get('x-request-id'));
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('keeps a path prefix of --url before the API base path', async () => {
    let url = '';
    server.use(
      http.post(`${BASE}/prefix/api/assisted-install/v2/infra-envs/${IE}/hosts`, ({ request }) => {
        url = request.url;
        return HttpResponse.json(registration, { status: 201 });
      }),
    );
    await client({ url: `${BASE}/prefix/` }).register(HOST);
    expect(url).toBe(`${BASE}/prefix/api/assisted-install/v2/infra-envs/${IE}/hosts`);
  });

  it.each([
    [409, { kind: 'Error', id: 409, href: '', code: '409', reason: 'cluster is installing' }, 'error', 'cluster is installing'],
    [403, { code: 403, message: 'forbidden for this infra-env' }, 'infra_error', 'forbidden for this infra-env'],
    [401, { code: 401, message: 'bad token' }, 'infra_error', 'bad token'],
  ])('turns a %i %s body into an ApiError with its reason', async (status, body, kind, reason) => {
    server.use(http.post(API, () => HttpResponse.json(body, { status })));
    const err = await client().register(HOST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(status);
    expect((err as ApiError).bodyKind).toBe(kind);
    expect((err as ApiError).reason).toBe(reason);
    expect((err as ApiError).typed).toBe(true);
    expect((err as ApiError).message).toBe(`register host: service answered ${status}: ${reason}`);
  });

  it('reads an HTML error page (a router in front of the service) into a short message', async () => {
    const page = '<html><head><title>Application is not available</title><style>p{}</style></head><body><h1>Application is not available</h1><p>The application is currently not serving requests at this endpoint.</p></body></html>';
    server.use(http.post(API, () => new HttpResponse(page, { status: 404, headers: { 'Content-Type': 'text/html' } })));
    const err = (await client().register(HOST).catch((e: unknown) => e)) as ApiError;
    expect(err.bodyKind).toBe('html');
    expect(err.typed).toBe(true);
    expect(err.reason).toBe('Application is not available The application is currently not serving requests at this endpoint.');
  });

  it('treats a plain-text 404 (a mock with no matching stub) as an untyped error', async () => {
    server.use(http.post(API, () => new HttpResponse('No response could be served', { status: 404, headers: { 'Content-Type': 'text/plain' } })));
    const err = (await client().register(HOST).catch((e: unknown) => e)) as ApiError;
    expect(err.typed).toBe(false);
    expect(err.reason).toBe('No response could be served');
  });

  it('reports malformed JSON in a 201 answer instead of crashing', async () => {
    server.use(http.post(API, () => new HttpResponse('{"id": ', { status: 201, headers: { 'Content-Type': 'application/json' } })));
    const err = await client().register(HOST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as Error).message).toMatch(/^register host: service answered 201 with a malformed body: not JSON/);
  });
});

describe('retries', () => {
  it.each([503, 504])('retries %i up to three times, then succeeds', async (status) => {
    let calls = 0;
    server.use(
      http.post(API, () => {
        calls++;
        return calls < 4 ? new HttpResponse('busy', { status }) : HttpResponse.json(registration, { status: 201 });
      }),
    );
    await expect(client().register(HOST)).resolves.toMatchObject({ id: HOST });
    expect(calls).toBe(4);
  });

  it('gives up after three retries and reports the last status', async () => {
    let calls = 0;
    server.use(
      http.post(API, () => {
        calls++;
        return new HttpResponse('<html><title>Service Unavailable</title></html>', { status: 503, headers: { 'Content-Type': 'text/html' } });
      }),
    );
    const err = (await client().register(HOST).catch((e: unknown) => e)) as ApiError;
    expect(calls).toBe(4);
    expect(err.status).toBe(503);
    expect(err.reason).toBe('Service Unavailable');
  });

  it('does not retry a 500', async () => {
    let calls = 0;
    server.use(
      http.post(API, () => {
        calls++;
        return HttpResponse.json({ kind: 'Error', id: 500, href: '', code: '500', reason: 'db down' }, { status: 500 });
      }),
    );
    await expect(client().register(HOST)).rejects.toThrow('register host: service answered 500: db down');
    expect(calls).toBe(1);
  });

  it('retries network errors and then reports them as a NetworkError', async () => {
    let calls = 0;
    server.use(
      http.post(API, () => {
        calls++;
        return HttpResponse.error();
      }),
    );
    const err = await client().register(HOST).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/^register host: /);
  });
});

describe('ServiceClient.nextSteps', () => {
  it('sends the timestamp in seconds and decodes null instructions as none', async () => {
    let url = new URL('http://x');
    server.use(
      http.get(`${API}/${HOST}/instructions`, ({ request }) => {
        url = new URL(request.url);
        return HttpResponse.json({ next_instruction_seconds: 5, instructions: null, post_step_action: 'continue' });
      }),
    );
    const steps = await client().nextSteps(HOST, 1_700_000_000.9);
    expect(url.searchParams.get('timestamp')).toBe('1700000000');
    expect(steps).toEqual({ next_instruction_seconds: 5, instructions: [], post_step_action: 'continue' });
  });

  it('rejects a Steps body of the wrong shape with the field that is wrong', async () => {
    server.use(http.get(`${API}/${HOST}/instructions`, () => HttpResponse.json({ instructions: [{ step_type: 7 }] })));
    await expect(client().nextSteps(HOST, 1)).rejects.toThrow('steps.instructions[0].step_type: expected a string, got number 7');
  });
});

describe('ServiceClient step replies and logs', () => {
  it('posts a step-reply that validates against the swagger definition', async () => {
    let body: unknown;
    let version: string | null = null;
    server.use(
      http.post(`${API}/${HOST}/instructions`, async ({ request }) => {
        body = await request.json();
        version = request.headers.get('discovery_agent_version');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const reply = { step_id: 'inventory-1234abcd', step_type: 'inventory', exit_code: -1, error: 'boom' };
    await client().postStepReply(HOST, reply);
    expect(body).toEqual(reply);
    expect(version).toBe(VERSION);
    expect(swaggerErrors('step-reply', body)).toEqual([]);
  });

  it('uploads logs as multipart field upfile with the upstream query', async () => {
    const dir = tempDir('logs');
    const file = path.join(dir, 'logs.tar.gz');
    writeFileSync(file, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    let received: { url: URL; name: string | undefined; size: number | undefined; token: string | undefined } | undefined;
    const cluster = '33333333-3333-3333-3333-333333333333';
    const local = await localService(async (req, body, res) => {
      const form = await new Response(body, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      const upfile = form.get('upfile') as File | null;
      received = { url: new URL(req.url ?? '', 'http://x'), name: upfile?.name, size: upfile?.size, token: req.headers['x-secret-key'] as string | undefined };
      res.writeHead(204).end();
    });
    try {
      await client({ url: local.url }).uploadLogs({ clusterId: cluster, hostId: HOST, infraEnvId: IE, file });
    } finally {
      await local.close();
    }
    expect(received?.url.pathname).toBe(`/api/assisted-install/v2/clusters/${cluster}/logs`);
    expect(received?.name).toBe('logs.tar.gz');
    expect(received?.size).toBe(5);
    expect(received?.token).toBe('OpenShiftToken');
    expect(Object.fromEntries(received?.url.searchParams ?? [])).toEqual({ logs_type: 'host', host_id: HOST, infra_env_id: IE });
  });

  it('puts the logs progress state', async () => {
    let body: unknown;
    server.use(
      http.put(`${API}/${HOST}/logs-progress`, async ({ request }) => {
        body = await request.json();
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await client().logsProgress(HOST, 'collecting');
    expect(body).toEqual({ logs_state: 'collecting' });
    expect(swaggerErrors('logs-progress-params', body)).toEqual([]);
  });

  it('reports a 413 from the logs endpoint with its reason', async () => {
    const cluster = '33333333-3333-3333-3333-333333333333';
    const dir = tempDir('logs');
    writeFileSync(path.join(dir, 'logs.tar.gz'), 'x');
    const local = await localService(async (_req, _body, res) => {
      res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Error', id: 413, href: '', code: '413', reason: 'logs exceed 262144000 bytes' }));
    });
    try {
      await expect(client({ url: local.url }).uploadLogs({ clusterId: cluster, hostId: HOST, file: path.join(dir, 'logs.tar.gz') })).rejects.toThrow(
        'upload logs: service answered 413: logs exceed 262144000 bytes',
      );
    } finally {
      await local.close();
    }
  });
});

describe('URL checks', () => {
  it.each(['ftp://x', 'not a url'])('refuses %s', (url) => {
    expect(() => client({ url })).toThrow(/--url/);
  });
});

/**
 * The logs upload streams through the undici dispatcher's request(), below what msw intercepts, so
 * those tests talk to a real server on 127.0.0.1.
 */
async function localService(
  handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
