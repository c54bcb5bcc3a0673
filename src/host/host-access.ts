import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCommand, type CommandRunner } from './command-runner.js';
import type { HostFs } from './host-fs.js';
import { programOnPath } from './program-lookup.js';
import { isRecordedFixture, recordedPrograms, recordingRunner, replayingRunner } from './recorded-commands.js';
import { RecordingHostFs } from './recording-host-fs.js';
import { SyncHostFs } from './sync-host-fs.js';

/** How collectors reach a host: its files, its tools, and whether it is the live machine. */
export interface HostAccess {
  hostFs: HostFs;
  runner: CommandRunner;
  /** False for a recorded fixture, whose commands are replayed instead of run. */
  live: boolean;
  /** Whether a program can be run at all (on $PATH live; recorded, for a fixture). */
  isInstalled: (file: string) => boolean;
}

export interface HostAccessOptions {
  /** Copy every file read and every command run into this directory, as a replayable fixture. */
  recordTo?: string;
  /** The runner for a live host; tests inject fakes here. */
  liveRunner?: CommandRunner;
}

/**
 * The host at `root`: a live one (runs its tools) or, when `root` holds recorded commands, a
 * fixture (replays them). With `recordTo`, reads and command results are also written there.
 */
export async function openHost(root: string, options: HostAccessOptions = {}): Promise<HostAccess> {
  const replay = await isRecordedFixture(root);
  const liveRunner = options.liveRunner ?? runCommand;
  const runner = replay ? replayingRunner(root) : liveRunner;
  // $PATH says what the real runner can start; an injected fake answers for everything itself.
  const isInstalled = replay ? installedIn(recordedPrograms(root)) : liveRunner === runCommand ? programOnPath : () => true;
  if (!options.recordTo) return { hostFs: new SyncHostFs(root), runner, live: !replay, isInstalled };
  const out = path.resolve(options.recordTo);
  await fs.mkdir(out, { recursive: true });
  return { hostFs: new RecordingHostFs(root, out), runner: recordingRunner(runner, out), live: !replay, isInstalled };
}

function installedIn(programs: Set<string>): (file: string) => boolean {
  return (file) => programs.has(file);
}
