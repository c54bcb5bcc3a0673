/**
 * Connection timeouts on the packaged service: 400 slow-header and slow-body connections held for
 * 75 s were never closed. With short `--headers-timeout`, `--idle-timeout` and `--request-timeout`
 * (the defaults are 15 s, 30 s and an hour) every such connection is closed by the service within
 * its timeout, while /healthz keeps answering within 1 s.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopAllAgents } from '../support/agent.js';
import { HostileService, type InfraEnv } from '../support/service.js';

const HOST = '3e5f7a9b-2c4d-4e6f-8a0b-1c3d5e7f9a1b';
const HEADERS_TIMEOUT_S = 2;
const IDLE_TIMEOUT_S = 3;
const REQUEST_TIMEOUT_S = 10;
/** The service checks its deadlines once a second; the rest is a loaded machine's slack. */
const SLACK_MS = 3_000;
let service: HostileService;
let ie: InfraEnv;

beforeAll(async () => {
  service = await HostileService.start({
    name: 'connections',
    flags: ['--headers-timeout', String(HEADERS_TIMEOUT_S), '--idle-timeout', String(IDLE_TIMEOUT_S), '--request-timeout', String(REQUEST_TIMEOUT_S)],
  });
  ie = await service.createInfraEnv('connections');
  expect((await service.register(ie, HOST)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

interface Held {
  kind: string;
  /** ms from the attack's start until the service closed the connection; undefined while open. */
  closedAfterMs?: number;
  socket: net.Socket;
}

/** Opens a connection that sends `head` and then one byte of `drip` every 500 ms, for as long as it stays open. */
function hold(kind: string, head: string, drip: string, started: number): Held {
  const socket = net.connect(service.port, '127.0.0.1');
  const held: Held = { kind, socket };
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  socket.on('close', () => {
    held.closedAfterMs = performance.now() - started;
    clearInterval(timer);
  });
  if (head) socket.write(head);
  const timer = setInterval(() => {
    if (drip && !socket.destroyed) socket.write(drip);
  }, 500);
  return held;
}

it('closes 400 slow-header, silent and slow-body connections within their timeouts; /healthz within 1 s meanwhile', async () => {
  const started = performance.now();
  const health = service.watchHealth();
  const stepReply = `/api/assisted-install/v2/infra-envs/${ie.id}/hosts/${HOST}/instructions`;
  const held: Held[] = [];
  for (let i = 0; i < 150; i++) held.push(hold('slow-header', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ', 'x', started));
  for (let i = 0; i < 100; i++) held.push(hold('silent', '', '', started));
  for (let i = 0; i < 150; i++) {
    // The right token, a body its route takes, dripped a byte at a time: only the request deadline ends it.
    const head = `POST ${stepReply} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Secret-Key: ${ie.agent_token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"step_id":"`;
    held.push(hold('slow-body', head, 'x', started));
  }
  const bounds: Record<string, number> = {
    'slow-header': HEADERS_TIMEOUT_S * 1000 + SLACK_MS,
    silent: Math.min(HEADERS_TIMEOUT_S, IDLE_TIMEOUT_S) * 1000 + SLACK_MS,
    'slow-body': REQUEST_TIMEOUT_S * 1000 + SLACK_MS,
  };
  const deadline = started + Math.max(...Object.values(bounds)) + 2_000;
  while (held.some((h) => h.closedAfterMs === undefined) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const { slowestMs, probes } = await health.stop();
  for (const h of held) h.socket.destroy();

  const summary = Object.keys(bounds).map((kind) => {
    const times = held.filter((h) => h.kind === kind).map((h) => h.closedAfterMs ?? Infinity);
    return `${kind}: ${times.filter(Number.isFinite).length}/${times.length} closed, last after ${Math.max(...times).toFixed(0)} ms`;
  });
  console.log(summary.join('; '));
  for (const kind of Object.keys(bounds)) {
    const slowest = Math.max(...held.filter((h) => h.kind === kind).map((h) => h.closedAfterMs ?? Infinity));
    expect(slowest, summary.join('; ')).toBeLessThan(bounds[kind] as number);
  }
  // A dripped body is not closed by the idle timeout: bytes keep moving, the request deadline ends it.
  const firstSlowBody = Math.min(...held.filter((h) => h.kind === 'slow-body').map((h) => h.closedAfterMs ?? Infinity));
  expect(firstSlowBody, summary.join('; ')).toBeGreaterThan(IDLE_TIMEOUT_S * 1000 + 1_000);
  expect(probes).toBeGreaterThan(10);
  expect(slowestMs).toBeLessThan(1_000);
  expect(service.process.running, service.process.describe()).toBe(true);
  expect((await service.agent(ie, `/v2/infra-envs/${ie.id}/hosts/${HOST}/instructions`)).status).toBe(200);
}, 60_000);
