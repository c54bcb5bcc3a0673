/**
 * The service's limits, in-process: what a hostile holder of the agent token (or of nothing) gets
 * back. The packaged binary's behaviour under the same attacks is in subsystem/hostile/.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { admin, api, HOST, OTHER, startTestApp } from './app-test-support.js';
import { BODY_LIMITS, INVENTORY_CAPS } from './limits.js';

const UPPER_HOST = HOST.toUpperCase();

describe('authentication comes before the body', () => {
  it('answers 401 to a wrong agent token even when the body is garbage or oversized, never validation details', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    for (const payload of ['{"host_id": 12', JSON.stringify({ host_id: 'x'.repeat(10) }), 'x'.repeat(BODY_LIMITS.registration * 4)]) {
      const res = await t.inject({
        method: 'POST',
        url: api(`/v2/infra-envs/${ie.id}/hosts`),
        headers: { 'x-secret-key': 'wrong', 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 401, message: `X-Secret-Key is not the agent token of infra-env ${ie.id}` });
    }
    const operator = await t.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: { 'content-type': 'application/json' }, payload: '{"name": ' });
    expect(operator.statusCode).toBe(401);
    expect(operator.json().code).toBe(401);
  });

  it('answers an unknown infra-env as upstream does: 401 without a valid agent token, 404 with one (a deleted infra-env\'s too)', async () => {
    const t = await startTestApp();
    const unknown = api(`/v2/infra-envs/${OTHER}/hosts/${HOST}/instructions`);
    const guess = await t.inject({ method: 'GET', url: unknown, headers: { 'x-secret-key': 'any' } });
    expect(guess.statusCode).toBe(401);
    expect(guess.json()).toEqual({ code: 401, message: `X-Secret-Key is not the agent token of infra-env ${OTHER}` });
    const garbled = await t.inject({ method: 'GET', url: api(`/v2/infra-envs/%0Anot-an-id/hosts/${HOST}/instructions`), headers: { 'x-secret-key': 'any' } });
    expect(garbled.json()).toEqual({ code: 401, message: 'X-Secret-Key is not the agent token of the infra-env the request names' });

    const live = await t.createInfraEnv();
    const other = await t.inject({ method: 'GET', url: unknown, headers: { 'x-secret-key': live.agent_token } });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ kind: 'Error', code: '404', reason: `infra-env ${OTHER} not found` });

    // What stops the agents of a deleted infra-env: its own token now gets 404.
    const deleted = await t.createInfraEnv();
    await t.register(deleted);
    expect((await t.inject({ method: 'DELETE', url: api(`/v2/infra-envs/${deleted.id}`), headers: admin })).statusCode).toBe(204);
    const poll = await t.poll(deleted);
    expect(poll.statusCode).toBe(404);
    expect(poll.json()).toMatchObject({ kind: 'Error', code: '404' });
    expect((await t.poll({ ...deleted, agent_token: 'wrong' })).statusCode).toBe(401);
  });
});

describe('body limits per route', () => {
  it('refuses a registration or logs progress larger than it can be, and a step reply over its cap, with 413', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    const headers = { 'x-secret-key': ie.agent_token };
    const registration = await t.inject({
      method: 'POST',
      url: api(`/v2/infra-envs/${ie.id}/hosts`),
      headers,
      payload: { host_id: HOST, discovery_agent_version: 'v'.repeat(BODY_LIMITS.registration) },
    });
    expect(registration.statusCode).toBe(413);
    expect(registration.json()).toMatchObject({ kind: 'Error', id: 413, code: '413' });
    await t.register(ie);
    const reply = await t.reply(ie, { step_id: 'inventory-1', step_type: 'inventory', output: 'x'.repeat(BODY_LIMITS.stepReply + 1) });
    expect(reply.statusCode).toBe(413);
    const operator = await t.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: admin, payload: { name: 'x', ssh_authorized_key: 'k'.repeat(BODY_LIMITS.default) } });
    expect(operator.statusCode).toBe(413);
  });

  it('refuses a small body of very many values before parsing it', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    const payload = `{"host_id":"${HOST}","x":[${'[],'.repeat(1200)}[]]}`;
    expect(payload.length).toBeLessThan(BODY_LIMITS.registration);
    const res = await t.inject({ method: 'POST', url: api(`/v2/infra-envs/${ie.id}/hosts`), headers: { 'x-secret-key': ie.agent_token, 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().reason).toBe('the request body holds more than 1000 objects and arrays');
  });
});

describe('strict wire types, as upstream\'s Go server', () => {
  it('refuses numbers in string fields and integers beyond what int64 JSON keeps exactly', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    await t.register(ie);
    const cases: [Record<string, unknown>, string][] = [
      [{ step_id: 7, step_type: 'inventory', output: '{}' }, 'step_id in body must be string'],
      [{ step_id: 'a', step_type: 'inventory', output: 12 }, 'output in body must be string'],
      [{ step_id: 'a', step_type: 'inventory', exit_code: 1e21 }, 'exit_code in body must be <= 9007199254740991'],
      [{ step_id: 'a', step_type: 'inventory', exit_code: 1.5 }, 'exit_code in body must be integer'],
      [{ step_id: 'a', step_type: 'inventory', exit_code: '1' }, 'exit_code in body must be integer'],
    ];
    for (const [body, message] of cases) {
      const res = await t.reply(ie, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual({ code: 400, message: `validation failure list:\n${message}` });
    }
    const poll = await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/instructions?timestamp=99999999999999999999`), headers: { 'x-secret-key': ie.agent_token } });
    expect(poll.statusCode).toBe(400);
    // Go's ParseInt takes decimal digits only; JavaScript would read these as integers.
    for (const timestamp of ['1e3', '0x10', '%205', '0b1', '1.0']) {
      const odd = await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/instructions?timestamp=${timestamp}`), headers: { 'x-secret-key': ie.agent_token } });
      expect(odd.statusCode, timestamp).toBe(400);
      expect(odd.json()).toEqual({ code: 400, message: 'validation failure list:\ntimestamp in querystring must be integer' });
    }
    expect((await t.inject({ method: 'GET', url: api('/v2/events?limit=1e2'), headers: admin })).statusCode).toBe(400);
    expect((await t.inject({ method: 'GET', url: api('/v2/events?limit=%2B10&offset=0'), headers: admin })).statusCode).toBe(200);
    const events = await t.inject({ method: 'GET', url: api('/v2/events?offset=9223372036854775808'), headers: admin });
    expect(events.statusCode).toBe(400);
    expect(events.json().message).toContain('offset in querystring must be <= 9007199254740991');
  });

  it('refuses a step output with an integer beyond 2^53 or a number beyond a double, which could not be echoed back', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    await t.register(ie);
    for (const output of ['{"cpu":{"count":100000000000000000000}}', '{"cpu":{"frequency":1e400}}']) {
      const res = await t.reply(ie, { step_id: 'inventory-1', step_type: 'inventory', output });
      expect(res.statusCode).toBe(400);
      expect(res.json().reason).toMatch(/cpu\.(count: expected an integer within ±9007199254740991|frequency: expected a finite number)/);
    }
  });

  it('answers paths the router refuses (a segment over 100 characters, a malformed escape) in upstream\'s shape', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    for (const [url, reason] of [
      [api(`/v2/infra-envs/${'x'.repeat(200)}/hosts`), 'a path parameter is longer than 100 characters'],
      [api(`/v2/infra-envs/%E0%A4%A/hosts/${HOST}/instructions`), 'the request path is not a valid URL'],
    ]) {
      const res = await t.inject({ method: 'GET', url: url as string, headers: { 'x-secret-key': ie.agent_token } });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toEqual({ kind: 'Error', id: 400, href: '', code: '400', reason });
    }
  });

  it('takes only the plain form of a UUID, so "urn:uuid:…" cannot register a second identity of a host', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    const res = await t.register(ie, `urn:uuid:${HOST}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('host_id in body must match format "uuid"');
    const path = await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/urn:uuid:${HOST}/instructions`), headers: { 'x-secret-key': ie.agent_token } });
    expect(path.statusCode).toBe(400);
  });

  it('treats host IDs that differ only in case as one host, stored lower-case', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    expect((await t.register(ie, UPPER_HOST)).json().id).toBe(HOST);
    expect((await t.register(ie, HOST)).statusCode).toBe(201);
    expect((await t.poll({ ...ie, id: ie.id.toUpperCase() }, UPPER_HOST)).statusCode).toBe(200);
    const hosts = (await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts`), headers: admin })).json();
    expect(hosts.map((h: { id: string }) => h.id)).toEqual([HOST]);
  });

  it('answers 404, not 500, when the infra-env is deleted while a registration is on its way', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    // The store has lost the infra-env (another request deleted it) while this service still knew it.
    await t.service.store.deleteInfraEnv(ie.id);
    const res = await t.register(ie);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ kind: 'Error', code: '404' });
  });
});

describe('bounded work per reply', () => {
  it('cuts an inventory of 100,000 disks to the cap and says so in upstream\'s truncation field', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    await t.register(ie);
    const disks = Array.from({ length: 100_000 }, (_, i) => ({ name: `d${i}` }));
    const output = JSON.stringify({ hostname: 'big', cpu: { count: 8 }, disks });
    const res = await t.reply(ie, { step_id: 'inventory-1', step_type: 'inventory', output });
    expect(res.statusCode, res.body).toBe(204);
    const inventory = JSON.parse((await t.host(ie)).inventory);
    expect(inventory.disks).toHaveLength(INVENTORY_CAPS.disks);
    expect(inventory.truncation).toEqual({ type: 'partial', reasons: [`service: disks: 100000 reported, the first ${INVENTORY_CAPS.disks} kept`] });
    const validations = JSON.parse((await t.host(ie)).validations_info);
    const disksValidation = validations.hardware.find((v: { id: string }) => v.id === 'has-min-valid-disks');
    expect(disksValidation.message.length).toBeLessThan(2_000);
    expect(disksValidation.message).toMatch(/and 4086 more disks\)$/);
  });

  it('refuses replies to service-made requests whose lists are longer than any request could produce', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    await t.register(ie);
    const remoteHosts = Array.from({ length: 1000 }, () => ({ host_id: HOST }));
    const res = await t.reply(ie, { step_id: 'c-1', step_type: 'connectivity-check', output: JSON.stringify({ remote_hosts: remoteHosts }) });
    expect(res.statusCode).toBe(400);
    expect(res.json().reason).toMatch(/remote_hosts: 1000 entries, more than the 256 any real reply holds/);
  });
});

describe('operator inputs', () => {
  it('refuses control characters and oversized values in settings that become step arguments', async () => {
    const t = await startTestApp();
    for (const body of [
      { name: 'lab', ntp_sources: 'ntp1.example.com\nserver evil' },
      { name: 'lab', ntp_sources: 'a'.repeat(2000) },
      { name: 'lab', api_vip_url: 'https://api.example.com/\r\nX: y' },
      { name: 'lab', api_vip_url: 'file:///etc/passwd' },
      { name: 'lab\u001b[2J' },
      { name: 'lab', proxy: { http_proxy: 'http://proxy\n' } },
      { name: 'lab', ssh_authorized_key: 'ssh-ed25519 AAAA\u0000' },
    ]) {
      const res = await t.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: admin, payload: body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().message).toMatch(/^validation failure list:\n/);
    }
    // Several keys, one per line, are what authorized_keys holds.
    expect((await t.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: admin, payload: { name: 'ok', ssh_authorized_key: 'ssh-ed25519 AAAA a\nssh-rsa BBBB b' } })).statusCode).toBe(201);
  });
});

describe('request IDs', () => {
  it('keeps a UUID X-Request-ID in events, as the swagger types it, and replaces anything else', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    const given = '8b7c1a52-0d4e-4f6a-9b3c-2d1e0f9a8b7c';
    const register = (requestId: string) =>
      t.inject({ method: 'POST', url: api(`/v2/infra-envs/${ie.id}/hosts`), headers: { 'x-secret-key': ie.agent_token, 'x-request-id': requestId }, payload: { host_id: HOST } });
    expect((await register(given)).statusCode).toBe(201);
    expect((await register('session-42; DROP')).statusCode).toBe(201);
    const events = (await t.inject({ method: 'GET', url: api(`/v2/events?host_id=${HOST}`), headers: admin })).json();
    const ids = events.map((e: { request_id?: string }) => e.request_id);
    expect(ids[0]).toBe(given);
    expect(ids[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(ids[1]).not.toBe(given);
  });
});

describe('logs uploads', () => {
  const boundary = '----inband-test-boundary';
  const filePart = (name: string, content: Buffer) =>
    Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="logs.tar.gz"\r\nContent-Type: application/octet-stream\r\n\r\n`), content, Buffer.from('\r\n')]);
  const field = (name: string, value: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const end = Buffer.from(`--${boundary}--\r\n`);

  it('names the temporary file itself: a request ID full of ../ writes nothing outside the host\'s directory', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    await t.register(ie);
    const res = await t.inject({
      method: 'POST',
      url: api(`/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`),
      headers: { 'x-secret-key': ie.agent_token, 'x-request-id': '/../../../../victim', 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.concat([filePart('upfile', Buffer.from('archive')), end]),
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(readdirSync(path.join(t.dataDir, 'logs', ie.id, HOST))).toEqual(['logs.tar.gz']);
    expect(readdirSync(t.dataDir).sort()).toEqual(expect.arrayContaining(['inband.db', 'logs']));
    expect(existsSync('/victim.partial')).toBe(false);
    const events = (await t.inject({ method: 'GET', url: api(`/v2/events?host_id=${HOST}`), headers: admin })).json();
    for (const event of events) expect(event.request_id ?? '').not.toContain('/');
  });

  it('answers a malformed multipart body with 400, not 500', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    await t.register(ie);
    const url = api(`/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`);
    for (const [contentType, payload] of [
      [`multipart/form-data; boundary=${boundary}`, `--${boundary}\r\nContent-Disposition: form-data; name="upfile"; filename="x"\r\n\r\ncut short`],
      ['multipart/form-data', 'no boundary at all'],
      ['multipart/form-data; boundary=x', 'no parts here'],
    ]) {
      const res = await t.inject({ method: 'POST', url, headers: { 'x-secret-key': ie.agent_token, 'content-type': contentType as string }, payload: payload as string });
      expect(res.statusCode, `${contentType}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({ kind: 'Error', code: '400' });
    }
    expect((await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/logs`), headers: admin })).statusCode).toBe(404);
    // The cut-short upload gave its slot back: the host's next upload is taken, not refused with 503.
    const ok = await t.inject({
      method: 'POST',
      url,
      headers: { 'x-secret-key': ie.agent_token, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.concat([filePart('upfile', Buffer.from('archive')), end]),
    });
    expect(ok.statusCode, ok.body).toBe(204);
  });

  it('refuses many text fields before the file with 413 instead of buffering them', async () => {
    const t = await startTestApp();
    const ie = await t.createInfraEnv();
    await t.register(ie);
    const fields = Array.from({ length: 50 }, (_, i) => field(`f${i}`, 'x'.repeat(100)));
    const res = await t.inject({
      method: 'POST',
      url: api(`/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`),
      headers: { 'x-secret-key': ie.agent_token, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.concat([...fields, filePart('upfile', Buffer.from('archive')), end]),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ kind: 'Error', code: '413' });
    const large = await t.inject({
      method: 'POST',
      url: api(`/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`),
      headers: { 'x-secret-key': ie.agent_token, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.concat([field('f', 'x'.repeat(1_000_000)), filePart('upfile', Buffer.from('archive')), end]),
    });
    expect(large.statusCode).toBe(413);
  });
});
