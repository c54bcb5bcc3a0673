/**
 * What a hostile agent sends ends up on an operator's terminal (issue 9): a hostname, disk and
 * interface names and step errors with ESC, CR, LF and bidi overrides, through `inband serve` and
 * the packaged operator CLI (`hosts list`, `hosts show`, `events`). On the terminal they arrive
 * as escapes, so nothing can clear the screen, retitle the window or forge a line; `--json`
 * keeps the exact text.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { startAgent, stopAllAgents, type AgentProcess } from '../support/agent.js';
import { BINARY } from '../support/build.js';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);
const TOKEN = 'hostile-operator-output-token';
const HOST_ID = '6b4e1b63-8b1f-4d3c-8b64-3c206e801d22';

// Clear screen, set the window title, a carriage return that overwrites the line, a forged line, a bidi override.
const HOSTNAME = 'evil\u001b[2J\u001b]0;owned\u0007\rFAKE\nforged-host known\u202egnp.exe';
const DISK = 'sda\u001b[31m\r\nnvme9n9';
const NIC = 'eth0\u001b[8m';
const STEP_ERROR = 'boom\u001b[1A\u001b[2K\r\nall good';

/** Every character that must not reach a terminal raw (terminal-safe.ts escapes the same set). */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let serve: AgentProcess;
let server = '';
let infraEnv: { id: string; agent_token: string };

async function cli(args: string[]): Promise<string> {
  const { stdout } = await run(BINARY, [...args, '--server', server, '--token', TOKEN], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function asAgent(method: string, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${server}/api/assisted-install/v2/infra-envs/${infraEnv.id}${path}`, {
    method,
    headers: { 'X-Secret-Key': infraEnv.agent_token, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  return res.status;
}

beforeAll(async () => {
  const port = await freePort();
  server = `http://127.0.0.1:${port}`;
  serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', tempDir('hostile-operator-output'), '--admin-token', TOKEN, '--with-stdout-logging=false']);
  await serve.waitForOutput('stderr', /serving on/, 30_000);
  infraEnv = JSON.parse(await cli(['infra-env', 'create', '--name', 'hostile-output', '--json'])) as typeof infraEnv;
  // A hostile agent: only the agent token, which every discovery image carries.
  expect(await asAgent('POST', '/hosts', { host_id: HOST_ID, discovery_agent_version: 'quay.io/example/agent:latest' })).toBe(201);
  const inventory = {
    hostname: HOSTNAME,
    cpu: { count: 4, architecture: 'x86_64' },
    memory: { physical_bytes: 17179869184, usable_bytes: 16777216000 },
    disks: [{ name: DISK, drive_type: 'SSD', size_bytes: 500000000000, path: '/dev/sda', installation_eligibility: { eligible: false, not_eligible_reasons: ['reason\u001b[5m\r\nforged'] } }],
    interfaces: [{ name: NIC, mac_address: '52:54:00:aa:00:02', ipv4_addresses: ['198.18.0.2/24'], type: 'physical' }],
    system_vendor: { manufacturer: 'ACME\u001b[7m', product_name: 'box\r\nforged', virtual: true },
  };
  expect(await asAgent('POST', `/hosts/${HOST_ID}/instructions`, { step_type: 'inventory', step_id: 'inventory-1', output: JSON.stringify(inventory) })).toBe(204);
  expect(await asAgent('POST', `/hosts/${HOST_ID}/instructions`, { step_type: 'free-network-addresses', step_id: 'free-1', exit_code: 1, error: STEP_ERROR })).toBe(204);
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

describe('operator output of what a hostile agent sent', () => {
  it('hosts list: the hostname is escaped; one line per host, nothing forged', async () => {
    const table = await cli(['hosts', 'list', '--infra-env-id', infraEnv.id]);
    expect(table).not.toMatch(RAW_CONTROL);
    const lines = table.trimEnd().split('\n');
    expect(lines, table).toHaveLength(2);
    expect(lines[1]).toContain('evil\\x1b[2J\\x1b]0;owned\\x07\\rFAKE\\nforged-host known\\u202egnp.exe');
  });

  it('hosts show: hostname, vendor, disk, interface, reasons and step errors escaped', async () => {
    const shown = await cli(['hosts', 'show', HOST_ID]);
    expect(shown).not.toMatch(RAW_CONTROL);
    expect(shown).toContain(`Host ${HOST_ID} (evil\\x1b[2J\\x1b]0;owned\\x07\\rFAKE\\nforged-host known\\u202egnp.exe)`);
    expect(shown).toContain('ACME\\x1b[7m box\\r\\nforged');
    expect(shown).toContain('sda\\x1b[31m\\r\\nnvme9n9');
    expect(shown).toContain('reason\\x1b[5m\\r\\nforged');
    expect(shown).toContain('eth0\\x1b[8m');
    // The step table shows an error's first line only.
    expect(shown).toMatch(/free-network-addresses +1 .*boom\\x1b\[1A\\x1b\[2K\\r$/m);
    // No line of its own for any of the forged texts.
    for (const line of shown.split('\n')) expect(line).not.toMatch(/^(forged|FAKE|nvme9n9|all good)/);
  });

  it('events: messages naming the host are escaped; --json keeps the exact text', async () => {
    const events = await cli(['events', '--host-id', HOST_ID]);
    expect(events).not.toMatch(RAW_CONTROL);
    const json = JSON.parse(await cli(['events', '--host-id', HOST_ID, '--json'])) as { message: string }[];
    const naming = json.filter((e) => e.message.includes(HOSTNAME));
    expect(naming.length, JSON.stringify(json)).toBeGreaterThan(0);
    expect(events).toContain('evil\\x1b[2J\\x1b]0;owned\\x07\\rFAKE\\nforged-host known\\u202egnp.exe');
    const hosts = JSON.parse(await cli(['hosts', 'list', '--infra-env-id', infraEnv.id, '--json'])) as { inventory: string }[];
    expect((JSON.parse(hosts[0]?.inventory ?? '{}') as { hostname: string }).hostname).toBe(HOSTNAME);
    expect(serve.running, serve.describe()).toBe(true);
  });
});
