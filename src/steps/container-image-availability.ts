import { encodeGoJson } from '../inventory/go-json.js';
import { FieldChecks, singleJsonObject } from './args.js';
import { checkListLength, STEP_ARG_LIMITS } from './limits.js';
import { Busy, IMAGE_PATTERN, isImageName, Podman, PodmanMissingError } from './podman.js';
import { failed, ok, type StepContext, type StepModule } from './types.js';

export interface ImageAvailabilityRequest {
  images: string[];
  /** Seconds for the whole request; undefined when the service sent none. */
  timeoutSeconds?: number;
}

export interface ImageAvailability {
  name: string;
  result: 'success' | 'failure';
  size_bytes?: number;
  time?: number;
  download_rate?: number;
}

const STEP_TIMEOUT_MS = 30 * 60_000;
// Leaves the step time to answer before the dispatcher's own timeout cuts it off.
const REPLY_MARGIN_MS = 10_000;
const MB = 1_000_000;

const DRY_RUN_IMAGE = { size_bytes: 4e8, time: 10, download_rate: 100 };

const busy = new Busy();

async function checkImages(request: ImageAvailabilityRequest, ctx: StepContext): Promise<ImageAvailability[]> {
  const podman = new Podman(ctx.run, ctx.signal);
  const budgetMs = Math.min(request.timeoutSeconds && request.timeoutSeconds > 0 ? request.timeoutSeconds * 1000 : Infinity, STEP_TIMEOUT_MS - REPLY_MARGIN_MS);
  // One deadline for the whole request: a slow first pull leaves less time for the rest.
  const deadline = Date.now() + budgetMs;
  const results: ImageAvailability[] = [];
  for (const name of request.images) {
    const presentBefore = await podman.imagePresent(name);
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      results.push({ name, result: 'failure' });
      continue;
    }
    const started = performance.now();
    const pulled = await podman.pull(name, remainingMs);
    const seconds = (performance.now() - started) / 1000;
    if (pulled.exitCode !== 0) {
      ctx.log?.warn?.(`pulling ${name} failed with exit code ${pulled.exitCode}: ${pulled.stderr.trim()}`);
      results.push({ name, result: 'failure' });
      continue;
    }
    const entry: ImageAvailability = { name, result: 'success' };
    // A pull of an image already there measures nothing about the registry, so no metrics.
    if (!presentBefore) {
      const size = await podman.imageSize(name);
      if (size !== undefined) {
        entry.size_bytes = size;
        entry.time = seconds;
        entry.download_rate = seconds > 0 ? size / MB / seconds : 0;
      }
    }
    results.push(entry);
  }
  return results;
}

/** `container-image-availability`: can this host pull the cluster's images, and how fast. */
const containerImageAvailability: StepModule<ImageAvailabilityRequest> = {
  type: 'container-image-availability',
  timeoutMs: STEP_TIMEOUT_MS,
  parseArgs(args) {
    const body = singleJsonObject(args, 'container_image_availability_request');
    const checks = new FieldChecks();
    const images = checks.stringArray(body, 'images', { required: true }) ?? [];
    checkListLength(images.length, STEP_ARG_LIMITS.images, 'images');
    images.forEach((image, index) => {
      if (!isImageName(image)) checks.add(`images.${index} in body should match '${IMAGE_PATTERN}'`);
    });
    const timeoutSeconds = checks.integer(body, 'timeout');
    checks.done();
    return { images, timeoutSeconds };
  },
  async run(request, ctx) {
    if (ctx.dryRun.enabled) {
      return ok(encodeGoJson({ images: request.images.map((name) => ({ name, result: 'success', ...DRY_RUN_IMAGE })) }));
    }
    try {
      const outcome = await busy.ifIdle(() => checkImages(request, ctx));
      // Upstream's "already running" answer: empty output, exit 0, which the service ignores.
      if (!outcome.ran) return ok('');
      const anyFailed = outcome.value.some((image) => image.result === 'failure');
      return { exitCode: anyFailed ? 2 : 0, output: encodeGoJson({ images: outcome.value }), error: '' };
    } catch (err) {
      if (err instanceof PodmanMissingError) return failed(err.message);
      throw err;
    }
  },
};

export default containerImageAvailability;
