import { StepArgsError } from '../errors.js';
import { Podman, PodmanMissingError } from './podman.js';
import { DEFAULT_STEP_TIMEOUT_MS, failed, type StepModule } from './types.js';

export const INSTALLER_CONTAINER = 'assisted-installer';
// podman's own grace period is 5 s; the rest covers a slow storage teardown.
const STOP_TIMEOUT_MS = 60_000;

/** `stop-installation`: stops the installer container; "-i" makes an absent container a success. */
const stopInstallation: StepModule<null> = {
  type: 'stop-installation',
  timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
  parseArgs(args) {
    if (args.length !== 0) throw new StepArgsError(`expected 0 arguments, got ${args.length}`);
    return null;
  },
  async run(_args, ctx) {
    try {
      const result = await new Podman(ctx.run, ctx.signal).exec(['stop', '-i', '-t', '5', INSTALLER_CONTAINER], { timeoutMs: STOP_TIMEOUT_MS });
      return { exitCode: result.exitCode, output: result.stdout, error: result.stderr };
    } catch (err) {
      if (err instanceof PodmanMissingError) return failed(err.message);
      throw err;
    }
  },
};

export default stopInstallation;
