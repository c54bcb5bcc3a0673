import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';
import { ALL_TOOLS } from './cli/tools.js';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  // yargs prints help and errors through console.
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out += `${args.join(' ')}\n`;
  });
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    err += `${args.join(' ')}\n`;
  });
});
afterEach(() => vi.restoreAllMocks());

const IE = '11111111-1111-1111-1111-111111111111';

describe('main', () => {
  it('lists every tool in the top-level help', async () => {
    expect(await main(['--help'], 'inband')).toBe(0);
    for (const tool of ALL_TOOLS) expect(out).toContain(`inband ${tool.name}`);
  });

  it.each(ALL_TOOLS.map((t) => t.name))('has --help for %s, by sub-command and by invoked name', async (name) => {
    expect(await main([name, '--help'], '/usr/bin/inband')).toBe(0);
    const bySubcommand = out;
    out = '';
    expect(await main(['--help'], `/usr/local/bin/${name}`)).toBe(0);
    expect(out).toBe(bySubcommand);
    expect(out).toContain('--with-journal-logging');
  });

  it('refuses an unknown invoked name and lists the valid ones', async () => {
    expect(await main([], '/usr/bin/frobnicate')).toBe(2);
    expect(err).toContain('unknown binary name frobnicate, expected one of: inband, agent, next_step_runner, inventory,');
  });

  it('refuses an unknown command and lists the valid ones', async () => {
    expect(await main(['frobnicate'], 'inband')).toBe(2);
    expect(err).toContain('unknown command "frobnicate"; valid commands: agent, next_step_runner, inventory');
  });

  it('prints usage and the flag for an unknown flag', async () => {
    expect(await main(['agent', '--url', 'http://x', '--bogus'], 'inband')).toBe(2);
    expect(err).toContain('Unknown argument: bogus');
    expect(err).toContain('--infra-env-id');
  });

  it('says a missing --url is missing, with usage', async () => {
    expect(await main(['agent', '--infra-env-id', IE], 'inband')).toBe(2);
    expect(err).toContain('Must provide a target URL: --url scheme://host[:port] of the Assisted Installer Service');
    expect(err).toContain('--agent-version');
  });

  it.each([
    [['--url', 'http://x'], 'infra-env-id must be provided: --infra-env-id <uuid>'],
    [['--url', 'x', '--infra-env-id', IE], '--url "x" is not an http(s) URL'],
    [['-url', 'http://x', '-infra-env-id', 'abc'], '--infra-env-id "abc" is not a UUID'],
    [['--url', 'http://x', '--infra-env-id', IE, '--interval', '0'], '--interval must be a positive number of seconds, got 0'],
    [['--url', 'http://x', '--infra-env-id', IE, '--dry-run', '--force-id', 'x'], '--force-id "x" is not a UUID'],
  ])('checks agent flags: %j', async (args, message) => {
    expect(await main(['agent', ...args, '--with-journal-logging=false'], 'inband')).toBe(2);
    expect(err).toContain(message);
  });

  it('asks next_step_runner for --host-id', async () => {
    expect(await main(['next_step_runner', '-url', 'http://127.0.0.1:9', '-infra-env-id', IE, '--with-journal-logging=false'], 'inband')).toBe(2);
    expect(err).toContain('--host-id must be provided');
  });

  it('runs a step tool, printing the reply error and exiting 255 for exit code -1', async () => {
    // Bad arguments are refused before anything runs, so this touches nothing on the machine.
    expect(await main(['--with-journal-logging=false', '{}'], '/usr/bin/upgrade_agent')).toBe(255);
    expect(err).toContain('validation failure list:\nagent_image in body is required\n');
  });
});

describe('service and operator commands', () => {
  it.each([['serve'], ['infra-env', 'create'], ['infra-env', 'list'], ['hosts', 'list'], ['hosts', 'show'], ['hosts', 'logs'], ['events']])(
    'has --help for %s',
    async (...words) => {
      expect(await main([...words, '--help'], 'inband')).toBe(0);
      expect(out).toContain(`inband ${words.join(' ')}`);
    },
  );

  it("lists only its own flags in serve migrate-store's help, and serve keeps all of its own", async () => {
    expect(await main(['serve', 'migrate-store', '--help'], 'inband')).toBe(0);
    for (const own of ['--from', '--to', '--force']) expect(out).toContain(own);
    for (const serveFlag of ['--listen', '--database-pool', '--tls-cert', '--poll-interval', '--with-stdout-logging']) expect(out).not.toContain(serveFlag);
    out = '';
    expect(await main(['serve', '--help'], 'inband')).toBe(0);
    for (const serveFlag of ['--listen', '--database-pool', '--tls-cert', '--poll-interval', '--with-stdout-logging']) expect(out).toContain(serveFlag);
  });

  it.each([
    [['serve', '--listen', 'nowhere'], '--listen "nowhere": expected host:port'],
    [['serve', '--tls-cert', 'c.pem'], '--tls-cert and --tls-key go together'],
    [['serve', '--max-log-bytes', '0'], '--max-log-bytes must be a positive number of bytes'],
    [['infra-env', 'create'], 'Missing required argument: name'],
    [['hosts'], 'Name a hosts command: list, show, logs'],
  ])('checks %j', async (args, message) => {
    expect(await main(args, 'inband')).toBe(2);
    expect(err).toContain(message);
  });

  it('says the service cannot be reached, without a stack trace', async () => {
    expect(await main(['infra-env', 'list', '--server', 'http://127.0.0.1:65500', '--token', 't'], 'inband')).toBe(1);
    expect(err).toMatch(/^inband: GET \/v2\/infra-envs: .*ECONNREFUSED/m);
    expect(err).not.toContain('    at ');
  });
});
