import { encodeGoJson } from '../inventory/go-json.js';
import { FieldChecks, singleJsonObject } from './args.js';
import { Busy, Podman, PodmanMissingError } from './podman.js';
import { failed, type StepModule } from './types.js';

export interface UpgradeAgentRequest {
  agentImage: string;
}

const STEP_TIMEOUT_MS = 30 * 60_000;
const PULL_TIMEOUT_MS = STEP_TIMEOUT_MS - 10_000;

const busy = new Busy();

/**
 * `upgrade-agent`: pulls the agent image the service wants. Success ends this runner so that the
 * agent registers again; the service then names the new image in the next-step-runner command.
 * The reply always has exit code 0; the result field carries the outcome.
 */
const upgradeAgent: StepModule<UpgradeAgentRequest> = {
  type: 'upgrade-agent',
  timeoutMs: STEP_TIMEOUT_MS,
  parseArgs(args) {
    const body = singleJsonObject(args, 'upgrade_agent_request');
    const checks = new FieldChecks();
    const agentImage = checks.string(body, 'agent_image', { required: true }) ?? '';
    // Not in the swagger, but a leading "-" would reach podman as an option rather than an image.
    if (agentImage.startsWith('-')) checks.add(`agent_image in body must not start with "-": "${agentImage}"`);
    checks.done();
    return { agentImage };
  },
  async run({ agentImage }, ctx) {
    try {
      const outcome = await busy.ifIdle(() => new Podman(ctx.run, ctx.signal).pull(agentImage, PULL_TIMEOUT_MS));
      // A pull already in progress: upstream answers with the image and no result.
      if (!outcome.ran) return { exitCode: 0, output: encodeGoJson({ agent_image: agentImage }), error: '' };
      const pulled = outcome.value;
      if (pulled.exitCode !== 0) {
        return {
          exitCode: 0,
          output: encodeGoJson({ agent_image: agentImage, result: 'failure' }),
          error: `podman pull ${agentImage} exited with code ${pulled.exitCode}: ${pulled.stderr.trim()}`,
        };
      }
      return { exitCode: 0, output: encodeGoJson({ agent_image: agentImage, result: 'success' }), error: '', reRegister: true };
    } catch (err) {
      if (err instanceof PodmanMissingError) return failed(err.message);
      throw err;
    }
  },
};

export default upgradeAgent;
