/**
 * apivip_check and tang_connectivity_check, run as tools of the packaged binary against HTTP(S)
 * servers on 127.0.0.1, with certificates made by openssl for the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BINARY } from './support/build.js';
import { swaggerErrors } from '../test/support/swagger.js';

const run = promisify(execFile);
const TOOL_TIMEOUT_MS = 60_000;

interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function tool(name: string, request: unknown): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(BINARY, [name, JSON.stringify(request), '--with-journal-logging=false'], { timeout: TOOL_TIMEOUT_MS });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd, timeout: 30_000 });
}

/** A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated second CA. */
async function makeCertificates(dir: string): Promise<{ ca: string; wrongCa: string; key: string; cert: string }> {
  const days = ['-days', '1'];
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', ...days, '-subj', '/CN=inband test CA'], dir);
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'wrong.key', '-out', 'wrong.pem', ...days, '-subj', '/CN=inband wrong CA'], dir);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], dir);
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', ...days, '-copy_extensions', 'copyall'], dir);
  const read = (name: string): Promise<string> => fs.readFile(path.join(dir, name), 'utf8');
  return { ca: await read('ca.pem'), wrongCa: await read('wrong.pem'), key: await read('server.key'), cert: await read('server.pem') };
}

const WORKER_IGNITION = {
  ignition: { version: '3.1.0', config: { merge: [{ source: 'https://127.0.0.1/config/worker' }] } },
  storage: {
    files: [
      { path: '/etc/kubernetes/kubeconfig', contents: { source: 'data:,kubeconfig' } },
      { path: '/etc/big-file', contents: { source: 'data:,big' } },
    ],
  },
  systemd: { units: [{ name: 'kubelet.service', enabled: true }] },
};

const seen: IncomingHttpHeaders[] = [];
const handler: RequestListener = (req, res) => {
  seen.push(req.headers);
  const send = (status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  };
  if (req.url === '/config/worker') return send(200, JSON.stringify(WORKER_IGNITION));
  if (req.url === '/config/html') return send(200, '<html><body>this is not an ignition</body></html>');
  if (req.url === '/config/no-version') return send(200, '{"storage":{}}');
  if (req.url === '/tang/adv/good-thumbprint') return send(200, JSON.stringify({ payload: 'eyJrZXlzIjpbXX0', signatures: [{ protected: 'eyJhbGciOiJFUzUxMiJ9', signature: 'c2lnbmF0dXJl' }] }));
  if (req.url === '/tang/adv/not-json') return send(200, 'nope');
  send(404, 'not found');
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let dir: string;
let certs: Awaited<ReturnType<typeof makeCertificates>>;
let httpsServer: Server;
let httpServer: Server;
let https: string;
let http: string;

function expectSwagger(definition: string, output: unknown): void {
  expect(swaggerErrors(definition, output)).toEqual([]);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-apivip-'));
  certs = await makeCertificates(dir);
  httpsServer = createHttpsServer({ key: certs.key, cert: certs.cert }, handler);
  httpServer = createHttpServer(handler);
  https = `https://${await listen(httpsServer)}`;
  http = `http://${await listen(httpServer)}`;
});

afterAll(async () => {
  await new Promise((resolve) => httpsServer?.close(resolve));
  await new Promise((resolve) => httpServer?.close(resolve));
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('apivip_check', () => {
  const base64 = (pem: string): string => Buffer.from(pem).toString('base64');

  it('downloads the ignition with the right CA, sending token, Accept and extra headers', async () => {
    seen.length = 0;
    const url = `${https}/config/worker`;
    const result = await tool('apivip_check', {
      url,
      ca_certificate: base64(certs.ca),
      ignition_endpoint_token: 'secret-token',
      request_headers: [{ key: 'X-Extra', value: 'extra-value' }],
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout) as { url: string; is_success: boolean; ignition: string; download_error?: string };
    expect(output.is_success).toBe(true);
    expect(output.url).toBe(url);
    expect(output.download_error).toBeUndefined();
    const ignition = JSON.parse(output.ignition) as typeof WORKER_IGNITION;
    expect(ignition.ignition.version).toBe('3.2.0');
    expect(ignition.storage.files.map((f) => f.path)).toEqual(['/etc/kubernetes/kubeconfig']);
    expect(ignition.systemd).toEqual({});
    expectSwagger('api_vip_connectivity_response', output);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.authorization).toBe('Bearer secret-token');
    expect(seen[0]?.['x-extra']).toBe('extra-value');
    expect(seen[0]?.accept).toBe('application/vnd.coreos.ignition+json; version=3.2.0');
  });

  it('accepts the CA as PEM text too', async () => {
    const result = await tool('apivip_check', { url: `${https}/config/worker`, ca_certificate: certs.ca });
    expect(JSON.parse(result.stdout).is_success).toBe(true);
  });

  it('reports a wrong CA as a download error with exit code 0', async () => {
    const result = await tool('apivip_check', { url: `${https}/config/worker`, ca_certificate: base64(certs.wrongCa) });
    expect(result.code).toBe(0);
    expect(result.stderr.trim()).toBe('ignition download error');
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(output.is_success).toBeUndefined();
    expect(output.download_error).toMatch(/certificate/i);
    expectSwagger('api_vip_connectivity_response', output);
  });

  it('does not trust a self-signed server without its CA', async () => {
    const result = await tool('apivip_check', { url: `${https}/config/worker` });
    expect(result.stderr.trim()).toBe('ignition download error');
    expect(JSON.parse(result.stdout).is_success).toBeUndefined();
  });

  it('rejects a body that is not an ignition config, quoting it', async () => {
    const html = await tool('apivip_check', { url: `${http}/config/html` });
    expect(html.code).toBe(0);
    expect(html.stderr.trim()).toBe('ignition download error');
    const output = JSON.parse(html.stdout) as Record<string, unknown>;
    expect(output.is_success).toBeUndefined();
    expect(output.download_error).toContain('"<html><body>this is not an ignition</body></html>"');
    // Go's encoder escapes the markup on the wire.
    expect(html.stdout).toContain('\\u003chtml\\u003e');
    expectSwagger('api_vip_connectivity_response', output);
    const noVersion = JSON.parse((await tool('apivip_check', { url: `${http}/config/no-version` })).stdout) as Record<string, unknown>;
    expect(noVersion.download_error).toContain('no ignition.version');
  });

  it('reports a 404 as a download error with exit code 0', async () => {
    const result = await tool('apivip_check', { url: `${https}/config/master`, ca_certificate: base64(certs.ca) });
    expect(result.code).toBe(0);
    expect(result.stderr.trim()).toBe('ignition download error');
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(output.download_error).toContain('404');
    expectSwagger('api_vip_connectivity_response', output);
  });

  it('fails a request without url with exit code -1', async () => {
    const result = await tool('apivip_check', { ca_certificate: 'x' });
    expect(result.code).toBe(255);
    expect(result.stderr.trim()).toBe('validation failure list:\nurl in body is required');
  });
});

describe('tang_connectivity_check', () => {
  it('returns the advertisement with tang_url added', async () => {
    const servers = [{ url: `${http}/tang`, thumbprint: 'good-thumbprint' }];
    const result = await tool('tang_connectivity_check', { tang_servers: JSON.stringify(servers) });
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as unknown;
    expect(output).toEqual({
      is_success: true,
      tang_server_response: [{ tang_url: `${http}/tang`, payload: 'eyJrZXlzIjpbXX0', signatures: [{ protected: 'eyJhbGciOiJFUzUxMiJ9', signature: 'c2lnbmF0dXJl' }] }],
    });
    expectSwagger('tang_connectivity_response', output);
  });

  it('fails with exit code -1 on a 404 or a non-JSON advertisement', async () => {
    const servers = [
      { url: `${http}/tang`, thumbprint: 'unknown-thumbprint' },
      { url: `${http}/tang`, thumbprint: 'not-json' },
    ];
    const result = await tool('tang_connectivity_check', { tang_servers: JSON.stringify(servers) });
    expect(result.code).toBe(255);
    expect(JSON.parse(result.stdout)).toEqual({ is_success: false });
    expect(result.stderr).toContain('2 errors occurred:');
    expect(result.stderr).toContain(`tang server ${http}/tang/adv/unknown-thumbprint returned HTTP status 404`);
    expect(result.stderr).toContain('not JSON');
    expectSwagger('tang_connectivity_response', JSON.parse(result.stdout));
  });
});
