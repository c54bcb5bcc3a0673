import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from './logger.js';
import { tempDir } from '../../test/support/temp-dir.js';


async function waitForFile(file: string, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`${file} never matched ${pattern}: ${JSON.stringify(text)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('createLogger', () => {
  it('writes logfmt lines to <dir>/<name>.log with --with-text-logging', async () => {
    const dir = tempDir('log');
    const log = await createLogger({ name: 'agent_registration', text: true, journal: false, stdout: false, dir });
    log.info('Registering host 1234', { request_id: 'abc-1' });
    log.warn('Error registering host: "503"');
    await log.close();
    const lines = readFileSync(path.join(dir, 'agent_registration.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^time=\d{4}-\d\d-\d\dT[\d:.]+Z level=info msg="Registering host 1234" request_id=abc-1$/);
    expect(lines[1]).toMatch(/level=warn msg="Error registering host: \\"503\\""$/);
  });

  it('sends lines with sd-daemon priorities to the journal through systemd-cat', async () => {
    const dir = tempDir('log');
    const socket = path.join(dir, 'socket');
    writeFileSync(socket, '');
    const received = path.join(dir, 'journal.txt');
    const fakeCat = path.join(dir, 'systemd-cat');
    // Stands in for systemd-cat: records its arguments and every line it is given.
    writeFileSync(fakeCat, `#!/bin/sh\necho "args: $*" > "${received}"\ncat >> "${received}"\n`);
    chmodSync(fakeCat, 0o755);
    const log = await createLogger({ name: 'agent', text: false, journal: true, stdout: false, journalSocket: socket, journalCommand: fakeCat });
    log.error('disk\nfailed');
    log.info('hello');
    log.debug('not at info level');
    await log.close();
    const text = await waitForFile(received, /hello/);
    const [args, first, second] = text.trim().split('\n');
    expect(args).toBe('args: -t agent --level-prefix=true');
    expect(first).toMatch(/^<3>time=\S+ level=error msg="disk\\nfailed"$/);
    expect(second).toMatch(/^<6>time=\S+ level=info msg=hello$/);
    expect(text).not.toContain('not at info level');
  });

  it('discards lines, without spawning anything, where there is no journal', async () => {
    const dir = tempDir('log');
    const marker = path.join(dir, 'spawned');
    const fakeCat = path.join(dir, 'systemd-cat');
    writeFileSync(fakeCat, `#!/bin/sh\ntouch "${marker}"\n`);
    chmodSync(fakeCat, 0o755);
    const log = await createLogger({ name: 'agent', text: false, journal: true, stdout: false, journalSocket: path.join(dir, 'absent'), journalCommand: fakeCat });
    log.info('nowhere to go');
    await expect(log.close()).resolves.toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(marker)).toBe(false);
  });
});
