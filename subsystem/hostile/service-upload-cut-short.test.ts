/**
 * A logs upload cut short (its file part ends without the closing boundary) must be answered 400
 * and give back its upload slot. Before the fix the handler waited forever on the part the parser
 * had already destroyed: no answer, and the host's one upload slot held for good, so every later
 * upload of that host got 503 until the service restarted — an 80-byte request per host, by any
 * holder of the agent token.
 */
import { afterAll, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { startAgent, stopAllAgents } from '../support/agent.js';
import { freePort } from '../support/free-port.js';
import { rawStatusLine } from '../support/raw-status.js';

const TOKEN = 'hostile-upload-operator-token';
const HOST = '5a3f0a52-7a0e-4c2b-9a53-2b1f5d7f0c11';

afterAll(async () => {
  await stopAllAgents();
});

it('answers a cut-short upload with 400 and takes the host\'s next upload', async () => {
  const port = await freePort();
  const serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', tempDir('hostile-upload'), '--admin-token', TOKEN, '--with-stdout-logging=false']);
  await serve.waitForOutput('stderr', /serving on/, 30_000);
  const base = `http://127.0.0.1:${port}/api/assisted-install`;
  const created = await fetch(`${base}/v2/infra-envs`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"name":"cut-short"}' });
  const ie = (await created.json()) as { id: string; agent_token: string };
  const registered = await fetch(`${base}/v2/infra-envs/${ie.id}/hosts`, { method: 'POST', headers: { 'x-secret-key': ie.agent_token, 'content-type': 'application/json' }, body: JSON.stringify({ host_id: HOST }) });
  expect(registered.status).toBe(201);

  const path = `/api/assisted-install/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`;
  const boundary = 'cut-short-boundary';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="upfile"; filename="logs.tar.gz"\r\n\r\nnot the whole archive`;
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Secret-Key: ${ie.agent_token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\n\r\n`;
  expect(await rawStatusLine(port, head + body, 5_000)).toBe('HTTP/1.1 400 Bad Request');

  const form = new FormData();
  form.append('upfile', new Blob(['archive']), 'logs.tar.gz');
  const next = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'x-secret-key': ie.agent_token }, body: form });
  expect(next.status, await next.text()).toBe(204);
  await serve.stop();
});
