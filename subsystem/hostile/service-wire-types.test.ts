/**
 * Strict wire types against the packaged service, as upstream's Go server decodes them: int64
 * overflow, non-integers and numbers in string fields were accepted and echoed back in forms Go
 * clients cannot decode; an event `offset` beyond int64 gave 500; host IDs differing only in case
 * registered as two hosts; a registration racing an infra-env delete gave 500; operator fields took
 * 10 MB or newline-laden values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllAgents } from '../support/agent.js';
import { rawRequest } from '../support/raw-status.js';
import { expectUpstreamError, HOSTILE_OPERATOR_TOKEN, HostileService, type InfraEnv } from '../support/service.js';

const HOST = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
let service: HostileService;
let ie: InfraEnv;

beforeAll(async () => {
  service = await HostileService.start({ name: 'wire-types' });
  ie = await service.createInfraEnv('wire-types');
  expect((await service.register(ie, HOST)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

async function expect400(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect(res.status, `${what}: ${text}`).toBe(400);
  return expectUpstreamError(text, 400);
}

describe('numbers and strings as Go decodes them', () => {
  it('refuses int64 overflow, non-integers and numbers in string fields in a step reply with 400 and the validation list', async () => {
    const cases: [string, string][] = [
      ['{"step_id":"a","step_type":"inventory","exit_code":9223372036854775808}', 'exit_code in body must be <= 9007199254740991'],
      ['{"step_id":"a","step_type":"inventory","exit_code":-9223372036854775809}', 'exit_code in body must be >= -9007199254740991'],
      ['{"step_id":"a","step_type":"inventory","exit_code":1.5}', 'exit_code in body must be integer'],
      ['{"step_id":"a","step_type":"inventory","exit_code":"1"}', 'exit_code in body must be integer'],
      ['{"step_id":7,"step_type":"inventory","output":"{}"}', 'step_id in body must be string'],
      ['{"step_id":"a","step_type":"inventory","output":12}', 'output in body must be string'],
      ['{"step_id":"a","step_type":"inventory","error":true}', 'error in body must be string'],
    ];
    for (const [body, message] of cases) {
      const answer = await expect400(await service.stepReply(ie, HOST, body), body);
      expect(answer).toEqual({ code: 400, message: `validation failure list:\n${message}` });
    }
  });

  it('refuses a step output holding an integer beyond 2^53 or a number beyond a double', async () => {
    for (const output of ['{"cpu":{"count":9223372036854775808}}', '{"memory":{"physical_bytes":1e400}}']) {
      const answer = await expect400(await service.stepReply(ie, HOST, { step_id: 'inventory-x', step_type: 'inventory', output }), output);
      expect(String(answer.reason)).toMatch(/(cpu\.count|memory\.physical_bytes): expected an integer|expected a finite number/);
    }
  });

  it('refuses query integers beyond int64 or not integers at all: the poll timestamp, the events offset and limit', async () => {
    for (const timestamp of ['99999999999999999999', '9223372036854775808', '1.5', '1e3', 'abc', '0x10', '%205']) {
      const res = await service.agent(ie, `/v2/infra-envs/${ie.id}/hosts/${HOST}/instructions?timestamp=${timestamp}`);
      const answer = await expect400(res, `timestamp=${timestamp}`);
      expect(String(answer.message)).toMatch(/^validation failure list:\ntimestamp in querystring must be/);
    }
    for (const [query, message] of [
      ['offset=9223372036854775808', 'offset in querystring must be <= 9007199254740991'],
      ['offset=-1', 'offset in querystring must be >= 0'],
      ['offset=1.5', 'offset in querystring must be integer'],
      ['limit=1e400', 'limit in querystring must be'],
    ] as const) {
      const answer = await expect400(await service.operator(`/v2/events?${query}`), query);
      expect(String(answer.message)).toContain(message);
    }
    // The largest exact offset is a valid page: empty, not a 500.
    const last = await service.operator('/v2/events?offset=9007199254740991');
    expect(last.status).toBe(200);
    expect(await last.json()).toEqual([]);
  });
});

describe('identifiers', () => {
  it('registers host IDs that differ only in case as one host, stored lower-case', async () => {
    const upper = HOST.toUpperCase();
    const first = await service.register(ie, upper);
    expect(first.status).toBe(201);
    expect(((await first.json()) as { id: string }).id).toBe(HOST);
    const mixed = HOST.replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));
    expect((await service.register(ie, mixed)).status).toBe(201);
    expect((await service.agent(ie, `/v2/infra-envs/${ie.id.toUpperCase()}/hosts/${upper}/instructions`)).status).toBe(200);
    const hosts = (await (await service.operator(`/v2/infra-envs/${ie.id}/hosts`)).json()) as { id: string }[];
    expect(hosts.map((h) => h.id)).toEqual([HOST]);
  });

  it('answers registrations racing an infra-env delete with 201 or 404, never 500, and leaves no host behind', async () => {
    const seen = new Map<number, number>();
    for (let round = 0; round < 5; round++) {
      const doomed = await service.createInfraEnv(`doomed-${round}`);
      const registrations = Array.from({ length: 30 }, (_, i) => service.register(doomed, `00000000-0000-4000-8000-${String(round * 100 + i).padStart(12, '0')}`));
      // The delete lands among them, after some and before others.
      const deletion = new Promise((resolve) => setTimeout(resolve, round * 3)).then(() => service.operator(`/v2/infra-envs/${doomed.id}`, { method: 'DELETE' }));
      const answers = await Promise.all(registrations);
      expect((await deletion).status).toBe(204);
      for (const res of answers) {
        const text = await res.text();
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect([201, 404], text).toContain(res.status);
        if (res.status === 404) expectUpstreamError(text, 404);
      }
      expect((await service.operator(`/v2/infra-envs/${doomed.id}/hosts`)).status).toBe(404);
      expect((await service.register(doomed, HOST)).status).toBe(404);
    }
    console.log(`registrations racing a delete: ${JSON.stringify(Object.fromEntries(seen))}`);
    expect(service.process.running).toBe(true);
  }, 60_000);
});

describe('operator fields', () => {
  it('refuses newline-laden or over-long settings with 400, and a 10 MB one with 413 before reading it', async () => {
    const tenMb = 'a'.repeat(10 * 1024 * 1024);
    for (const body of [
      { name: 'lab', ntp_sources: 'ntp1.example.com\nserver evil.example.com iburst' },
      { name: 'lab', ntp_sources: 'a'.repeat(2000) },
      { name: 'lab', api_vip_url: 'https://api.example.com/\r\nX-Injected: 1' },
      { name: 'lab', api_vip_url: `https://api.example.com/${'a'.repeat(3000)}` },
      { name: 'lab\nsecond line' },
      { name: 'lab\u001b]0;owned\u0007' },
      { name: 'lab', proxy: { no_proxy: 'example.com\n' } },
      { name: 'lab', domains_to_resolve: ['api.example.com\n'] },
    ]) {
      const answer = await expect400(await service.operator('/v2/infra-envs', { method: 'POST', body }), JSON.stringify(body).slice(0, 100));
      expect(String(answer.message)).toMatch(/^validation failure list:\n/);
    }
    // Raw: the service answers 413 from Content-Length alone and closes, which a fetch still writing sees as EPIPE.
    for (const body of [{ name: 'lab', ntp_sources: tenMb }, { name: 'lab', api_vip_url: `https://${tenMb}` }]) {
      const payload = Buffer.from(JSON.stringify(body));
      const head = `POST /api/assisted-install/v2/infra-envs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${HOSTILE_OPERATOR_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
      const chunks = Array.from({ length: Math.ceil(payload.length / 65536) }, (_, i) => payload.subarray(i * 65536, (i + 1) * 65536));
      const answer = await rawRequest(service.port, head, chunks, 10_000, 1_000);
      expect(answer?.status, answer?.body).toBe(413);
      expectUpstreamError(answer?.body ?? '', 413);
      expect(answer?.bytesSentBeforeAnswer).toBe(0);
    }
    const listed = (await (await service.operator('/v2/infra-envs')).json()) as { name: string }[];
    expect(listed.every((infraEnv) => !/[\n\r\u001b]/.test(infraEnv.name))).toBe(true);
  });
});
