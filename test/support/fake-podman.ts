/**
 * A stand-in `podman` executable for the podman-driven steps: it appends its argument vector (and
 * the PULL_SECRET_TOKEN it was given) as one JSON line to a log and answers from a script of canned
 * outputs, so tests see exactly what a real podman would have been asked to do.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, type CommandRunner } from '../../src/host/command-runner.js';
import { tempDir } from './temp-dir.js';

export interface CannedReply {
  stdout?: string;
  stderr?: string;
  code?: number;
  sleepMs?: number;
}

/**
 * Replies are looked up by "<sub-command> <last argument>" first, then by "<sub-command>", where
 * the sub-command is "images", "pull", "image inspect", "run" or "stop". Unlisted calls exit 0 silently.
 */
export type PodmanScript = Record<string, CannedReply>;

export interface FakePodman {
  dir: string;
  /** A runner that finds the fake first on PATH; spawns real processes, as the agent does. */
  run: CommandRunner;
  /** Every call so far, as argument vectors without the program name. */
  calls(): string[][];
  tokens(): (string | null)[];
  script(replies: PodmanScript): void;
}

const SOURCE = (logFile: string, scriptFile: string): string => `#!${process.execPath}
const fs = require('node:fs');
const argv = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(logFile)}, JSON.stringify({ argv, token: process.env.PULL_SECRET_TOKEN ?? null }) + '\\n');
const script = JSON.parse(fs.readFileSync(${JSON.stringify(scriptFile)}, 'utf8'));
const sub = argv[0] === 'image' ? 'image ' + argv[1] : argv[0];
const reply = script[sub + ' ' + argv[argv.length - 1]] ?? script[sub] ?? {};
setTimeout(() => {
  if (reply.stdout) process.stdout.write(reply.stdout);
  if (reply.stderr) process.stderr.write(reply.stderr);
  process.exitCode = reply.code ?? 0;
}, reply.sleepMs ?? 0);
`;

export function fakePodman(): FakePodman {
  const dir = tempDir('fake-podman');
  const logFile = path.join(dir, 'calls.jsonl');
  const scriptFile = path.join(dir, 'script.json');
  writeFileSync(scriptFile, '{}');
  const exe = path.join(dir, 'podman');
  writeFileSync(exe, SOURCE(logFile, scriptFile));
  chmodSync(exe, 0o755);
  const entries = (): { argv: string[]; token: string | null }[] =>
    existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
  return {
    dir,
    run: pathRunner(dir),
    calls: () => entries().map((e) => e.argv),
    tokens: () => entries().map((e) => e.token),
    script: (replies) => writeFileSync(scriptFile, JSON.stringify(replies)),
  };
}

/**
 * Stand-ins for other programs a step could start (fio, chroot, journalctl, …): shell scripts
 * (a process start costs little; a fuzzer starts many) that log their name and arguments, one call
 * a line, and exit 0 with no output. A suite that must show a program was never started puts `dir`
 * first on PATH: a regression then shows up in calls() instead of writing to a disk or rebooting
 * the machine. Arguments are logged space-joined, so argv is approximate.
 */
export function recordingPrograms(names: readonly string[]): { dir: string; calls(): { program: string; argv: string[] }[] } {
  const dir = tempDir('recording-programs');
  const logFile = path.join(dir, 'calls.log');
  for (const name of names) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> '${logFile}'\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  return {
    dir,
    calls: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((line) => {
            const [program = '', ...argv] = line.split(' ');
            return { program, argv };
          })
        : [],
  };
}

/** The real runner with `dir` first on PATH; an empty dir makes podman "not installed". */
export function pathRunner(dir: string): CommandRunner {
  return (file, args, options) => {
    const env = options.env ?? process.env;
    return runCommand(file, args, { ...options, env: { ...env, PATH: `${dir}:/nonexistent-bin` } });
  };
}
