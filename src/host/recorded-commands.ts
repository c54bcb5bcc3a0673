import { promises as fs, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CommandResult, CommandRunner } from './command-runner.js';

/**
 * The recorded-commands format of a host fixture. Each command the collectors ran is one file
 * `<fixture>/commands/<name>.json`:
 *
 *   { "argv": ["lscpu", "-J"], "exitCode": 0, "stderr": "", "stdoutFile": "lscpu_-J.stdout" }
 *
 * The output sits next to it in `<name>.stdout` so that multi-line tool output stays readable and
 * editable in a hand-built fixture; a small output may instead be inline as `"stdout": "…"`. The file
 * name is only for people: replay matches on `argv`, so two argument vectors that sanitise to the
 * same name cannot be confused.
 */
export interface RecordedCommand {
  argv: string[];
  exitCode: number;
  stderr?: string;
  stdout?: string;
  stdoutFile?: string;
}

export const COMMANDS_DIR = 'commands';
const MAX_NAME_LENGTH = 100;

/** A readable file name for an argument vector: `file -s /dev/sda` → `file_-s__dev_sda`. */
export function commandFileName(argv: readonly string[]): string {
  const name = argv
    .join(' ')
    .replace(/[^A-Za-z0-9.,=+-]/g, '_')
    .slice(0, MAX_NAME_LENGTH);
  return name === '' ? '_' : name;
}

export function commandKey(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

/** Whether a host root is a recorded fixture, whose tool outputs are replayed instead of run. */
export async function isRecordedFixture(root: string): Promise<boolean> {
  if (path.resolve(root) === '/') return false;
  try {
    return (await fs.stat(path.join(root, COMMANDS_DIR))).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A runner that answers from a fixture's recorded commands. A command that was never recorded ends
 * like a program that could not be started (exit -1), with "not recorded" in stderr, so collectors
 * take the same fallback path as on a host without that tool.
 */
export function replayingRunner(fixtureRoot: string): CommandRunner {
  let loaded: Promise<Map<string, CommandResult>> | undefined;
  return async (file, args) => {
    loaded ??= loadRecordedCommands(path.join(fixtureRoot, COMMANDS_DIR));
    const recorded = (await loaded).get(commandKey([file, ...args]));
    if (recorded) return { ...recorded };
    return { stdout: '', stderr: `${[file, ...args].join(' ')}: not recorded in ${fixtureRoot}`, exitCode: -1, timedOut: false };
  };
}

/** The programs a fixture has recorded runs of: on a replayed host, the ones that are "installed". */
export function recordedPrograms(fixtureRoot: string): Set<string> {
  const programs = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(path.join(fixtureRoot, COMMANDS_DIR)).filter((name) => name.endsWith('.json'));
  } catch {
    return programs;
  }
  for (const name of names) {
    const record = JSON.parse(readFileSync(path.join(fixtureRoot, COMMANDS_DIR, name), 'utf8')) as RecordedCommand;
    if (record.argv?.[0]) programs.add(record.argv[0]);
  }
  return programs;
}

async function loadRecordedCommands(dir: string): Promise<Map<string, CommandResult>> {
  const byArgv = new Map<string, CommandResult>();
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((name) => name.endsWith('.json'));
  } catch {
    return byArgv;
  }
  await Promise.all(
    names.map(async (name) => {
      const record = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as RecordedCommand;
      if (!Array.isArray(record.argv) || record.argv.length === 0) throw new Error(`${name}: "argv" must be a non-empty array`);
      const stdout = record.stdoutFile !== undefined ? await fs.readFile(path.join(dir, record.stdoutFile), 'utf8') : (record.stdout ?? '');
      byArgv.set(commandKey(record.argv), { stdout, stderr: record.stderr ?? '', exitCode: record.exitCode, timedOut: false });
    }),
  );
  return byArgv;
}

/**
 * Wraps a runner so that every command it runs, with its result, is also written to
 * `<fixtureDir>/commands/` in the format above.
 */
export function recordingRunner(inner: CommandRunner, fixtureDir: string): CommandRunner {
  const dir = path.join(fixtureDir, COMMANDS_DIR);
  const usedNames = new Map<string, string>();
  let ready: Promise<unknown> | undefined;
  return async (file, args, options) => {
    const result = await inner(file, args, options);
    const argv = [file, ...args];
    const key = commandKey(argv);
    let name = usedNames.get(key);
    if (name === undefined) {
      name = uniqueName(commandFileName(argv), new Set(usedNames.values()));
      usedNames.set(key, name);
    }
    ready ??= fs.mkdir(dir, { recursive: true });
    await ready;
    const record: RecordedCommand = { argv, exitCode: result.exitCode, stderr: result.stderr };
    if (result.stdout !== '') {
      record.stdoutFile = `${name}.stdout`;
      await fs.writeFile(path.join(dir, record.stdoutFile), result.stdout);
    }
    await fs.writeFile(path.join(dir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
    return result;
  };
}

function uniqueName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}~${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
