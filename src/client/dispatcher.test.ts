import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDispatcher } from './dispatcher.js';
import { ServiceClient } from './service-client.js';
import { NetworkError } from './api-error.js';
import { tempDir } from '../../test/support/temp-dir.js';

const run = promisify(execFile);
const IE = '11111111-1111-1111-1111-111111111111';
const HOST = '22222222-2222-2222-2222-222222222222';
const dir = tempDir('tls');
const servers: Server[] = [];

const registration = JSON.stringify({
  id: HOST,
  kind: 'Host',
  next_step_runner_command: { args: [JSON.stringify({ agent_version: 'a:b', host_id: HOST, infra_env_id: IE })] },
});

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

let httpsPort = 0;
let caPath = '';
let otherCaPath = '';

async function selfSigned(name: string): Promise<{ key: string; cert: string }> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { timeout: 30_000 });
  return { key, cert };
}

beforeAll(async () => {
  const service = await selfSigned('service');
  const other = await selfSigned('other');
  caPath = service.cert;
  otherCaPath = other.cert;
  const https = createHttpsServer({ key: readFileSync(service.key), cert: readFileSync(service.cert) }, (req, res) => {
    res.writeHead(201, { 'Content-Type': 'application/json' }).end(registration);
  });
  httpsPort = await listen(https);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

function client(url: string, dispatcher: ReturnType<typeof createDispatcher>): ServiceClient {
  return new ServiceClient({ url, infraEnvId: IE, agentVersion: 'a:b', token: 't', dispatcher, retry: { retries: 0, baseMs: 1, capMs: 1 } });
}

describe('TLS', () => {
  it('trusts a service certificate signed by the --cacert CA', async () => {
    const answer = await client(`https://127.0.0.1:${httpsPort}`, createDispatcher({ cacertPath: caPath })).register(HOST);
    expect(answer.id).toBe(HOST);
  });

  it('refuses a certificate no trusted CA signed', async () => {
    const err = await client(`https://127.0.0.1:${httpsPort}`, createDispatcher({ cacertPath: otherCaPath }))
      .register(HOST)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });

  it('accepts any certificate with --insecure', async () => {
    const answer = await client(`https://127.0.0.1:${httpsPort}`, createDispatcher({ insecure: true })).register(HOST);
    expect(answer.id).toBe(HOST);
  });

  it('says which --cacert file is unusable', () => {
    const bogus = path.join(dir, 'bogus.pem');
    writeFileSync(bogus, 'not a certificate');
    expect(() => createDispatcher({ cacertPath: bogus })).toThrow(`--cacert ${bogus}: no PEM certificate found in the file`);
    expect(() => createDispatcher({ cacertPath: path.join(dir, 'missing.pem') })).toThrow(/--cacert .*missing\.pem: ENOENT/);
  });
});

describe('proxy from the environment', () => {
  it('tunnels requests through HTTP_PROXY unless NO_PROXY matches', async () => {
    const proxied: string[] = [];
    // undici tunnels through the proxy with CONNECT, for http as for https targets.
    const proxy = createHttpServer((req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
      proxied.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const proxyPort = await listen(proxy);
    const origin = createHttpServer((req, res) => res.writeHead(201, { 'Content-Type': 'application/json' }).end(registration));
    const originPort = await listen(origin);
    const url = `http://127.0.0.1:${originPort}`;

    const viaProxy = createDispatcher({}, { HTTP_PROXY: `http://127.0.0.1:${proxyPort}` });
    await client(url, viaProxy).register(HOST);
    expect(proxied).toEqual([`127.0.0.1:${originPort}`]);

    const bypass = createDispatcher({}, { http_proxy: `http://127.0.0.1:${proxyPort}`, no_proxy: '127.0.0.1' });
    await client(url, bypass).register(HOST);
    expect(proxied).toHaveLength(1);
  });
});
