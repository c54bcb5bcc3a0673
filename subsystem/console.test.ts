/**
 * The web console in a real Chromium against the packaged `inband serve`, with dry-run agents
 * registering while the page is open. Service, agents and browser all run inside one network
 * namespace (its loopback and 198.18.9.0/24), so the steps the discovered hosts run — a
 * free-address sweep of the networks their replayed inventories report among them — reach
 * nothing outside it. Each page gets axe-core and a screenshot under .build/screenshots/.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/temp-dir.js';
import { startAgent, stopAllAgents, type AgentProcess } from './support/agent.js';
import { expectAccessible, launchBrowser, screenshot } from './support/browser.js';
import { BINARY, ROOT } from './support/build.js';
import { Topology } from './support/netns.js';
import { waitFor } from './support/wait.js';

// Functions given to page.evaluate run in the browser: these name its globals for the type-checker only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any, window: any, getComputedStyle: any, requestAnimationFrame: any;

const run = promisify(execFile);
const TOKEN = 'console-operator-token';
const PORT = 18095;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'hosts');
let topology: Topology;
let netns = '';
let serve: AgentProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** Dry-run agents with synthetic hosts' inventories (replayed from their fixture trees), each its own identity. */
const HOSTS = [
  { id: 'c0a50001-0000-4000-8000-000000000001', hostname: 'console-a', mac: '52:54:00:c0:00:01', ipv4: '198.18.9.11/24', fixture: 'server-nvme-sata-raid', serial: '7XK4M53' },
  { id: 'c0a50001-0000-4000-8000-000000000002', hostname: 'console-b', mac: '52:54:00:c0:00:02', ipv4: '198.18.9.12/24', fixture: 'vm-virtio', serial: '' },
] as const;

async function cli(args: string[]): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', netns, BINARY, ...args, '--server', ORIGIN, '--token', TOKEN, '--json'], { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

type WireHost = { id: string; status: string; logs_info?: string };
const hostsOf = async (infraEnvId: string): Promise<WireHost[]> => JSON.parse(await cli(['hosts', 'list', '--infra-env-id', infraEnvId])) as WireHost[];

function startDryRunAgent(infraEnv: { id: string; agent_token: string }, host: (typeof HOSTS)[number]): AgentProcess {
  return startAgent(
    [
      'netns', 'exec', netns, BINARY, 'agent', '--url', ORIGIN, '--infra-env-id', infraEnv.id, '--interval', '1',
      '--dry-run', '--force-id', host.id, '--force-hostname', host.hostname, '--force-mac', host.mac, '--forced-ipv4', host.ipv4,
      '--host-root', path.join(FIXTURES, host.fixture), '--with-journal-logging=false', '--with-stdout-logging=true',
    ],
    { PULL_SECRET_TOKEN: infraEnv.agent_token, INBAND_LOG_DIR: tempDir(`console-agent-${host.hostname}`) },
    'ip',
  );
}

beforeAll(async () => {
  topology = await Topology.create({ prefix: 'ib-cons', hosts: [{ name: 'lab', addresses: ['198.18.9.1/24'] }] });
  netns = topology.host('lab').netns;
  serve = startAgent(
    ['netns', 'exec', netns, BINARY, 'serve', '--listen', `127.0.0.1:${PORT}`, '--data-dir', tempDir('console-serve'), '--admin-token', TOKEN, '--poll-interval', '1', '--with-stdout-logging=false'],
    {},
    'ip',
  );
  await serve.waitForOutput('stderr', /console at/, 30_000);
  browser = await launchBrowser(netns);
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopAllAgents();
  await topology?.destroy();
});

describe('the console, in Chromium, against dist/inband serve with live agents', () => {
  it('signs in, creates an infra-env, shows two hosts live, filters, opens a host, gathers logs, lists events, signs out', async () => {
    // ---- sign-in: a wrong token is refused
    await page.goto(`${ORIGIN}/`);
    await page.getByLabel('Operator token').waitFor();
    await expectAccessible(page, 'sign-in');
    await screenshot(page, 'sign-in');
    await page.getByLabel('Operator token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not the operator token/);
    await page.getByLabel('Operator token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Infra-envs', level: 1 }).waitFor();
    // The cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // ---- create an infra-env; its agent command line and discovery URLs
    await page.getByLabel('Name', { exact: true }).fill('rack-a');
    await page.getByLabel('NTP sources', { exact: true }).fill('198.18.9.1');
    await page.getByRole('button', { name: 'Create infra-env' }).click();
    await page.getByRole('heading', { name: 'rack-a', level: 2 }).waitFor();
    const infraEnv = (JSON.parse(await cli(['infra-env', 'list'])) as { id: string; name: string; agent_token: string; ntp_sources?: string }[]).find((ie) => ie.name === 'rack-a');
    expect(infraEnv?.ntp_sources).toBe('198.18.9.1');
    const ie = infraEnv as { id: string; agent_token: string };
    await expect.poll(() => page.locator(`#cmd-${ie.id}`).textContent()).toBe(`PULL_SECRET_TOKEN=${ie.agent_token} inband agent --url ${ORIGIN} --infra-env-id ${ie.id}`);
    const ignitionUrl = (await page.locator(`#ign-${ie.id}`).textContent()) ?? '';
    expect(ignitionUrl).toMatch(new RegExp(`^${ORIGIN}/api/assisted-install/v2/infra-envs/${ie.id}/downloads/files\\?file_name=discovery\\.ign&api_key=`));
    expect(await page.locator(`#ipxe-${ie.id}`).textContent()).toContain('file_name=ipxe-script');
    expect(await page.locator(`#ci-${ie.id}`).textContent()).toContain('file_name=cloud-init');
    const ignition = await page.evaluate(async (url) => (await fetch(url)).json(), ignitionUrl);
    expect((ignition as { ignition: { version: string } }).ignition.version).toMatch(/^3\./);
    await expectAccessible(page, 'infra-envs');
    await screenshot(page, 'infra-envs');

    // ---- hosts of the infra-env: two agents register while the page is open
    await page.getByRole('link', { name: 'Hosts of rack-a' }).first().click();
    await page.getByRole('heading', { name: 'Hosts of rack-a' }).waitFor();
    await page.evaluate(() => (window.sameDocument = true));
    const agents = HOSTS.map((host) => startDryRunAgent(ie, host));
    const context = () => `${agents.map((a) => a.describe()).join('\n')}\n${serve.describe()}`;
    for (const host of HOSTS) await page.locator(`tr[data-host-id="${host.id}"]`).waitFor({ timeout: 60_000 }).catch((err: Error) => { throw new Error(`${err.message}\n${context()}`); });
    // A status the service reached shows on the open page within 2 s.
    const settled = await waitFor('both hosts past discovering', async () => {
      const hosts = await hostsOf(ie.id);
      return hosts.length === 2 && hosts.every((h) => h.status !== 'discovering') ? hosts : undefined;
    }, 90_000, context);
    for (const host of settled) {
      await expect.poll(() => page.locator(`tr[data-host-id="${host.id}"] .status`).textContent(), { timeout: 2_000 }).toContain(host.status);
    }
    expect(await page.evaluate(() => window.sameDocument)).toBe(true);
    const rowA = page.locator(`tr[data-host-id="${HOSTS[0].id}"]`);
    await expect.poll(() => rowA.textContent()).toContain('console-a');
    expect(await rowA.textContent()).toContain('PowerEdge R650');
    expect(await rowA.textContent()).toContain(HOSTS[0].mac);

    // ---- a dropped stream reconnects by itself: the page's sockets to the service are killed
    await page.evaluate(() => {
      window.liveStates = [];
      const badge = document.querySelector('.live');
      new window.MutationObserver(() => window.liveStates.push(badge.textContent)).observe(badge, { childList: true, subtree: true, characterData: true });
    });
    await run('ip', ['netns', 'exec', netns, 'ss', '-K', 'dst', '127.0.0.1', 'dport', '=', String(PORT)], { timeout: 10_000 });
    await expect.poll(() => page.evaluate(() => window.liveStates as string[]), { timeout: 15_000 }).toEqual(expect.arrayContaining([expect.stringContaining('reconnecting'), expect.stringContaining('live')]));
    expect(await page.locator('.live').textContent()).toContain('Updates: live');

    // ---- filter and search (hostname, MAC, IP, serial), sort
    const rows = page.locator('table.hosts tbody tr');
    const search = page.getByLabel('Search');
    for (const [needle, expected] of [['console-b', HOSTS[1].id], [HOSTS[0].mac, HOSTS[0].id], ['198.18.9.12', HOSTS[1].id], [HOSTS[0].serial, HOSTS[0].id]] as const) {
      await search.fill(needle);
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().getAttribute('data-host-id'), needle).toBe(expected);
    }
    await search.fill('');
    await expect.poll(() => rows.count()).toBe(2);
    const statusA = settled.find((h) => h.id === HOSTS[0].id)?.status as string;
    await page.getByLabel('Status').selectOption(statusA);
    await expect.poll(async () => (await rows.count()) >= 1 && (await rows.evaluateAll((trs) => trs.every((tr) => tr.textContent?.includes(tr.ownerDocument.querySelector('#hosts-status')?.value ?? '?'))))).toBe(true);
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('button', { name: /^Cores/ }).click();
    await expect.poll(() => page.locator('th', { has: page.getByRole('button', { name: /^Cores/ }) }).getAttribute('aria-sort')).toBe('ascending');
    const coresAscending = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.children[3]?.textContent) || 0));
    expect(coresAscending).toEqual([...coresAscending].sort((a, b) => a - b));
    await expectAccessible(page, 'hosts');
    await screenshot(page, 'hosts');

    // ---- host detail: validations and disks
    await rowA.getByRole('link', { name: 'console-a' }).click();
    await page.getByRole('heading', { name: 'Host console-a', level: 1 }).waitFor();
    await page.getByRole('heading', { name: /^hardware \(/ }).waitFor();
    expect(await page.locator('.validations li').count()).toBeGreaterThan(5);
    const validationText = (await page.locator('.validations').allTextContents()).join('\n');
    for (const id of ['has-min-cpu-cores', 'has-min-memory', 'has-min-valid-disks', 'hostname-unique']) expect(validationText).toContain(id);
    // Failures lead: no success is listed before a failure within a category.
    for (const list of await page.locator('.validations').all()) {
      const statuses = await list.locator('li').evaluateAll((lis) => lis.map((li) => li.className));
      const firstSuccess = statuses.findIndex((c) => c.includes('success'));
      const lastFailure = statuses.map((c) => c.includes('failure')).lastIndexOf(true);
      if (firstSuccess >= 0 && lastFailure >= 0) expect(lastFailure).toBeLessThan(firstSuccess);
    }
    const disks = page.locator('section[aria-labelledby="inv-disks"] table');
    expect(await disks.locator('tbody tr').count()).toBeGreaterThan(1);
    expect(await disks.textContent()).toMatch(/eligible/);
    expect(await page.locator('section[aria-labelledby="steps-heading"] table').textContent()).toContain('inventory');
    await expectAccessible(page, 'host-detail');
    await screenshot(page, 'host-detail');

    // ---- request logs: the logs-gather step reaches the agent; download the archive
    await page.getByRole('button', { name: 'Request logs' }).click();
    await page.getByRole('status').filter({ hasText: 'Logs requested' }).waitFor();
    await agents[0]?.waitForOutput('stdout', /logs-gather/, 60_000);
    const download = page.getByRole('link', { name: 'Download logs' });
    await download.waitFor({ timeout: 90_000 }).catch((err: Error) => { throw new Error(`${err.message}\n${context()}`); });
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toBe(`logs_host_${HOSTS[0].id}.tar.gz`);
    const saved = path.join(tempDir('console-download'), file.suggestedFilename());
    await file.saveAs(saved);
    expect(readFileSync(saved).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const { stdout: listing } = await run('tar', ['-tzf', saved], { timeout: 30_000 });
    expect(listing).toContain(`logs_host_${HOSTS[0].id}/report.logs`);

    // ---- events: newest first, filterable by infra-env and host
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
    await page.getByLabel('Infra-env').selectOption(ie.id);
    await page.getByLabel('Host').selectOption(HOSTS[1].id);
    await expect.poll(() => page.locator('table.events tbody tr').count()).toBeGreaterThan(0);
    // The host filter's answer replaces the infra-env's list a moment after the selection.
    await expect.poll(() => page.locator('table.events tbody').textContent(), { timeout: 10_000 }).not.toContain('uploaded logs');
    const times = await page.locator('table.events time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
    expect(times).toEqual([...times].sort().reverse());
    expect(await page.locator('table.events tbody').textContent()).toMatch(/console-b|successfully registered/);
    expect(await page.locator('table.events tbody').textContent()).not.toContain('uploaded logs');
    await expectAccessible(page, 'events');
    await screenshot(page, 'events');

    // ---- keyboard: the skip link comes first, the navigation works with Enter, focus is visible
    await page.reload();
    await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Hosts');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'All hosts' }).waitFor();

    // ---- narrow window: nothing wider than the window but the tables' own scroll areas
    await page.setViewportSize({ width: 390, height: 800 });
    await expect.poll(() => page.locator('table.hosts tbody tr').count()).toBe(2);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await expectAccessible(page, 'hosts-narrow');
    await screenshot(page, 'hosts-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });

    // ---- sign out: the session is gone server-side too
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Operator token').waitFor();
    expect(await page.evaluate(async () => (await fetch('/api/assisted-install/v2/infra-envs')).status)).toBe(401);

    // ---- the agent token never opens the console
    await page.getByLabel('Operator token').fill(ie.agent_token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not the operator token/);
    expect(await page.evaluate(async () => (await fetch('/api/assisted-install/v2/infra-envs')).status)).toBe(401);
    for (const agent of agents) await agent.stop();
  }, 240_000);

  it('creates an infra-env with every field the CLI has, and deletes it only after confirmation', async () => {
    await context.close();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(`${ORIGIN}/`);
    await page.getByLabel('Operator token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Infra-envs', level: 1 }).waitFor();
    const fields: [string, string][] = [
      ['Name', 'rack-full'],
      ['NTP sources', 'ntp1.example.com,198.18.9.1'],
      ['Additional NTP sources', 'ntp2.example.com'],
      ['Domains to resolve', 'api.lab.example.com, apps.lab.example.com'],
      ['API VIP URL', 'http://198.18.9.100:22624/config/worker'],
      ['Interface', 'eth0'],
      ['API VIP MAC', '00:1a:4a:00:00:01'],
      ['Ingress VIP MAC', '00:1a:4a:00:00:02'],
      ['SSH public keys', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE8mZxJ5Jb0s7fQy9d3cP1W0m7YV0kqkq7f3Jw5mX9aB core@lab'],
    ];
    for (const [label, value] of fields) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Create infra-env' }).click();
    await page.getByRole('heading', { name: 'rack-full', level: 2 }).waitFor();
    const created = (JSON.parse(await cli(['infra-env', 'list'])) as Record<string, unknown>[]).find((x) => x.name === 'rack-full');
    expect(created).toMatchObject({
      ntp_sources: 'ntp1.example.com,198.18.9.1',
      additional_ntp_sources: 'ntp2.example.com',
      domains_to_resolve: ['api.lab.example.com', 'apps.lab.example.com'],
      api_vip_url: 'http://198.18.9.100:22624/config/worker',
      dhcp_allocation: { interface: 'eth0', api_vip_mac: '00:1a:4a:00:00:01', ingress_vip_mac: '00:1a:4a:00:00:02' },
    });
    expect(String(created?.ssh_authorized_key)).toMatch(/^ssh-ed25519 /);
    await page.getByRole('button', { name: 'Delete rack-full…' }).click();
    // Nothing is deleted until the confirmation.
    expect((JSON.parse(await cli(['infra-env', 'list'])) as { name: string }[]).map((x) => x.name)).toContain('rack-full');
    await expectAccessible(page, 'infra-env-delete-confirmation');
    await screenshot(page, 'infra-env-delete-confirmation');
    await page.getByRole('button', { name: 'Yes, delete rack-full' }).click();
    await expect.poll(async () => (JSON.parse(await cli(['infra-env', 'list'])) as { name: string }[]).map((x) => x.name)).not.toContain('rack-full');
    await expect.poll(() => page.getByRole('link', { name: 'rack-full' }).count()).toBe(0);
  }, 120_000);

  it('--auth none opens the console without sign-in', async () => {
    const port = PORT + 1;
    const open = startAgent(
      ['netns', 'exec', netns, BINARY, 'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', tempDir('console-auth-none'), '--auth', 'none', '--with-stdout-logging=false'],
      {},
      'ip',
    );
    await open.waitForOutput('stderr', /console at/, 30_000);
    const fresh = await browser.newPage();
    await fresh.goto(`http://127.0.0.1:${port}/`);
    await fresh.getByRole('heading', { name: 'Infra-envs', level: 1 }).waitFor();
    expect(await fresh.getByLabel('Operator token').count()).toBe(0);
    expect(await fresh.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await fresh.close();
    await open.stop();
  }, 60_000);
});
