/**
 * Logs uploads, the one streamed agent route, attacked by a holder of the agent token: text fields
 * the multipart parser would buffer (six uploads of ~1,000 fields of 1 MB ended in a V8 heap-limit
 * abort), an X-Request-ID that named the temporary file (`/../../…` wrote, moved and deleted files
 * outside the data dir as root), and concurrent uploads sharing one request ID (4 × 500).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllAgents } from '../support/agent.js';
import { rawRequest } from '../support/raw-status.js';
import { expectUpstreamError, HostileService, type InfraEnv } from '../support/service.js';

const MB = 1024 * 1024;
const hostId = (i: number): string => `5a3f0a52-7a0e-4c2b-9a53-${String(i).padStart(12, '0')}`;
let service: HostileService;
let ie: InfraEnv;

beforeAll(async () => {
  service = await HostileService.start({ name: 'uploads' });
  ie = await service.createInfraEnv('uploads');
  for (let i = 1; i <= 6; i++) expect((await service.register(ie, hostId(i))).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

const boundary = 'hostile-upload-boundary';

/** ~`count` text fields of `size` bytes, then the file: generated as it is sent, never built whole. */
function* fieldsBeforeFile(count: number, size: number): Generator<Buffer> {
  const value = Buffer.alloc(size, 'x');
  for (let i = 0; i < count; i++) {
    yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="field${i}"\r\n\r\n`);
    yield value;
    yield Buffer.from('\r\n');
  }
  yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upfile"; filename="logs.tar.gz"\r\n\r\narchive\r\n--${boundary}--\r\n`);
}

function bodyLength(parts: Iterable<Buffer>): number {
  let length = 0;
  for (const part of parts) length += part.length;
  return length;
}

function uploadHead(route: string, length: number, extra = ''): string {
  return `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Secret-Key: ${ie.agent_token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

function archiveForm(content: string): FormData {
  const form = new FormData();
  form.append('upfile', new Blob([content]), 'logs.tar.gz');
  return form;
}

describe('text fields before the file', () => {
  it('six uploads of 1,000 fields of 1 MB at once: each 413 after its first field, memory flat, /healthz within 1 s', async () => {
    const FIELDS = 1000;
    const total = bodyLength(fieldsBeforeFile(FIELDS, MB));
    expect(total).toBeGreaterThan(1000 * MB);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idle = service.rssMb();
    service.resetPeak();
    const health = service.watchHealth();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => rawRequest(service.port, uploadHead(service.path(service.logsRoute(ie, hostId(i + 1))), total), fieldsBeforeFile(FIELDS, MB), 30_000)),
    );
    const { slowestMs } = await health.stop();
    const peak = service.peakRssMb();
    for (const answer of answers) {
      expect(answer?.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
      expect(expectUpstreamError(answer?.body ?? '', 413).reason).toMatch(/multipart field "field0" is over 1024 bytes|at most 4 fields/);
      // Answered long before the 1 GB was sent: the service gave up on the body, it did not buffer it.
      expect(answer?.bytesSentBeforeAnswer ?? Infinity).toBeLessThan(total / 10);
    }
    expect(peak - idle, `RSS ${idle.toFixed(0)} → peak ${peak.toFixed(0)} MB`).toBeLessThan(100);
    expect(slowestMs).toBeLessThan(1_000);
    expect(service.process.running, service.process.describe()).toBe(true);
    // Every refused upload gave its host's slot back.
    for (let i = 1; i <= 6; i++) {
      const next = await service.agent(ie, service.logsRoute(ie, hostId(i)), { method: 'POST', body: archiveForm(`archive ${i}`) });
      expect(next.status, await next.text()).toBe(204);
    }
  }, 90_000);

  it('five small fields are one too many: 413 before the file, nothing stored', async () => {
    const parts = [...fieldsBeforeFile(5, 10)];
    const answer = await rawRequest(service.port, uploadHead(service.path(service.logsRoute(ie, hostId(6))), bodyLength(parts)), parts);
    expect(answer?.status).toBe(413);
    // The multipart parser's own field limit, or the route's count: either refuses before the file.
    expect(expectUpstreamError(answer?.body ?? '', 413).reason).toMatch(/^(reach fields limit|a logs upload carries at most 4 fields besides upfile)$/);
    const stored = await service.operator(`/v2/infra-envs/${ie.id}/hosts/${hostId(6)}/logs`);
    expect(await stored.text()).toBe('archive 6');
  });
});

describe('client strings never become paths', () => {
  it('X-Request-ID /../../…/victim on an upload writes nothing outside the data dir', async () => {
    const before = service.filesOutsideDataDir();
    const traversal = `/../../../../../../../../../..${service.victimDir}/victim`;
    for (const requestId of [traversal, `${traversal}/`, '../../../../../../../../../../../tmp/inband-hostile-victim', 'logs.tar.gz']) {
      const res = await service.agent(ie, service.logsRoute(ie, hostId(1)), {
        method: 'POST',
        body: archiveForm(`traversal ${requestId}`),
        headers: { 'x-request-id': requestId },
      });
      expect(res.status, await res.text()).toBe(204);
    }
    expect(service.filesOutsideDataDir()).toEqual(before);
    expect(readdirSync(service.victimDir)).toEqual([]);
    expect(readdirSync('/tmp').filter((name) => name.startsWith('inband-hostile-victim'))).toEqual([]);
    // Only the archive in the host's directory: no temporary file left behind under any name.
    expect(readdirSync(path.join(service.dataDir, 'logs', ie.id, hostId(1)))).toEqual(['logs.tar.gz']);
    const events = (await (await service.operator(`/v2/events?host_id=${hostId(1)}`)).json()) as { request_id?: string }[];
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.request_id ?? '').toMatch(/^$|^[0-9a-f-]{36}$/);
  });

  it('five hosts uploading at once with one request ID: five archives, each its own; one host five times: 204 or 503, never 500', async () => {
    const requestId = '/../../../../victim';
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        service.agent(ie, service.logsRoute(ie, hostId(i)), { method: 'POST', body: archiveForm(`shared id ${i}`), headers: { 'x-request-id': requestId } }),
      ),
    );
    for (const res of results) expect(res.status, await res.text()).toBe(204);
    for (let i = 1; i <= 5; i++) expect(await (await service.operator(`/v2/infra-envs/${ie.id}/hosts/${hostId(i)}/logs`)).text()).toBe(`shared id ${i}`);

    // One host: its one upload slot takes one at a time; the others are told when to retry.
    const big = 'y'.repeat(4 * MB);
    const same = await Promise.all(
      [1, 2, 3, 4, 5].map(() => service.agent(ie, service.logsRoute(ie, hostId(6)), { method: 'POST', body: archiveForm(big), headers: { 'x-request-id': requestId } })),
    );
    const statuses = same.map((res) => res.status);
    expect(statuses.every((status) => status === 204 || status === 503), String(statuses)).toBe(true);
    expect(statuses).toContain(204);
    for (const res of same) {
      const text = await res.text();
      if (res.status === 503) {
        expect(res.headers.get('retry-after')).toBe('30');
        expectUpstreamError(text, 503);
      }
    }
    expect(service.filesOutsideDataDir()).toEqual([path.join('victim')]);
    expect(readdirSync(path.join(service.dataDir, 'logs', ie.id, hostId(6)))).toEqual(['logs.tar.gz']);
  });
});
