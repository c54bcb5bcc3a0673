import { describe, expect, it } from 'vitest';
import step from './container-image-availability.js';
import { context, result, scriptedRunner } from '../../test/support/step-runner-fake.js';
import { fakePodman, pathRunner } from '../../test/support/fake-podman.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { swaggerErrors } from '../../test/support/swagger.js';

const A = 'quay.io/example/a:1';
const B = 'registry.example.com:5000/team/b@sha256:abc';
const req = (images: string[], timeout?: number): string[] => [JSON.stringify(timeout === undefined ? { images } : { images, timeout })];

function expectWireValid(output: string): void {
  expect(swaggerErrors('container_image_availability_response', JSON.parse(output))).toEqual([]);
}

describe('container-image-availability', () => {
  it('refuses a bad request with go-openapi wording', () => {
    expect(() => step.parseArgs(['{}'])).toThrow('validation failure list:\nimages in body is required');
    expect(() => step.parseArgs(['{"images":["ok/image:1","a b; rm -rf /","--quiet"],"timeout":"x"}'])).toThrow(
      /^validation failure list:\nimages\.1 in body should match '.*'\nimages\.2 in body should match '.*'\ntimeout in body must be of type integer: "string"$/,
    );
    expect(() => step.parseArgs(['{"images":["$(reboot)"]}'])).toThrow(/images\.0 in body should match/);
    expect(() => step.parseArgs(['{"images":["a\\nb"]}'])).toThrow(/images\.0 in body should match/);
  });

  it('pulls each image with exact argument vectors and reports size, time and rate of new ones', async () => {
    const podman = fakePodman();
    podman.script({
      [`images ${A}`]: { stdout: '' },
      [`images ${B}`]: { stdout: 'f00dfeed\n' },
      'image inspect': { stdout: '400000000\n' },
    });
    const reply = await step.run(step.parseArgs(req([A, B], 60)), context(podman.run));
    expect(podman.calls()).toEqual([
      ['images', '--quiet', A],
      ['pull', A],
      ['image', 'inspect', '--format={{.Size}}', A],
      ['images', '--quiet', B],
      ['pull', B],
    ]);
    expect(reply.exitCode).toBe(0);
    const images = JSON.parse(reply.output).images;
    expect(images[0]).toMatchObject({ name: A, result: 'success', size_bytes: 4e8 });
    expect(images[0].time).toBeGreaterThan(0);
    expect(images[0].download_rate).toBeCloseTo(400 / images[0].time, 3);
    // Already present: a success without metrics (zero values are omitted, as Go's omitempty does).
    expect(images[1]).toEqual({ name: B, result: 'success' });
    expectWireValid(reply.output);
  });

  it('shares one deadline across the request: a slow pull leaves later images failed and unpulled', async () => {
    const podman = fakePodman();
    // The deadline leaves room for the fake podman's first call on a loaded machine; the pull
    // sleeps far past it.
    podman.script({ [`pull ${A}`]: { sleepMs: 30_000 } });
    const started = Date.now();
    const reply = await step.run(step.parseArgs(req([A, B], 4)), context(podman.run));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(reply.exitCode).toBe(2);
    expect(JSON.parse(reply.output)).toEqual({ images: [{ name: A, result: 'failure' }, { name: B, result: 'failure' }] });
    expect(podman.calls()).toEqual([
      ['images', '--quiet', A],
      ['pull', A],
      ['images', '--quiet', B],
    ]);
    expectWireValid(reply.output);
  });

  it('exits 2 when any pull fails, keeping the others', async () => {
    const podman = fakePodman();
    podman.script({ [`pull ${B}`]: { code: 125, stderr: 'manifest unknown' }, [`images ${A}`]: { stdout: 'x\n' } });
    const reply = await step.run(step.parseArgs(req([A, B])), context(podman.run));
    expect(reply).toEqual({ exitCode: 2, error: '', output: JSON.stringify({ images: [{ name: A, result: 'success' }, { name: B, result: 'failure' }] }) });
  });

  it('answers a second request while one runs with an empty output and exit 0', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { run, calls } = scriptedRunner(async (call) => {
      if (call.args[0] === 'pull') await gate;
      return result('');
    });
    const first = step.run(step.parseArgs(req([A])), context(run));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await step.run(step.parseArgs(req([B])), context(run))).toEqual({ exitCode: 0, output: '', error: '' });
    release();
    expect((await first).exitCode).toBe(0);
    expect(calls.some((c) => c.args.includes(B))).toBe(false);
  });

  it('gives the pull the remaining time as its timeout', async () => {
    const { run, calls } = scriptedRunner(() => result(''));
    await step.run(step.parseArgs(req([A], 30)), context(run));
    const pull = calls.find((c) => c.args[0] === 'pull');
    expect(pull?.options.timeoutMs).toBeGreaterThan(29_000);
    expect(pull?.options.timeoutMs).toBeLessThanOrEqual(30_000);
  });

  it('answers with upstream dry-run values without calling podman', async () => {
    const { run, calls } = scriptedRunner(() => result('', 1));
    const reply = await step.run(step.parseArgs(req([A])), context(run, true));
    expect(calls).toEqual([]);
    expect(JSON.parse(reply.output)).toEqual({ images: [{ name: A, result: 'success', size_bytes: 4e8, time: 10, download_rate: 100 }] });
    expectWireValid(reply.output);
  });

  it('says podman is not installed instead of failing every image', async () => {
    const reply = await step.run(step.parseArgs(req([A])), context(pathRunner(tempDir('no-podman'))));
    expect(reply.exitCode).toBe(-1);
    expect(reply.output).toBe('');
    expect(reply.error).toMatch(/^podman is not installed: podman: spawn podman ENOENT/);
  });
});
