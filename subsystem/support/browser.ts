/**
 * A real Chromium for the console's tests: Debian's /usr/bin/chromium driven by playwright-core
 * (nothing downloads a browser). Given a network namespace, the browser runs inside it, so the
 * page reaches a service listening on that namespace's loopback and nothing else.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { ROOT } from './build.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, '.build', 'screenshots');

export async function launchBrowser(netns?: string): Promise<Browser> {
  let executablePath = CHROMIUM;
  if (netns) {
    // playwright talks to the browser over inherited pipes, which `ip netns exec` passes on.
    executablePath = path.join(tempDir('chromium-netns'), 'chromium');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${netns} ${CHROMIUM} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  return chromium.launch({ executablePath, headless: true, timeout: 60_000, args: ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
}

/** axe-core on what the page shows now: no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n  ')}`).join('\n');
  expect(bad, `${name}: accessibility violations\n${summary}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
