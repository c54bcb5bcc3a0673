import { describe, expect, it } from 'vitest';
import step from './stop-installation.js';
import { context } from '../../test/support/step-runner-fake.js';
import { fakePodman, pathRunner } from '../../test/support/fake-podman.js';
import { tempDir } from '../../test/support/temp-dir.js';

describe('stop-installation', () => {
  it('takes no arguments', () => {
    expect(step.parseArgs([])).toBeNull();
    expect(() => step.parseArgs(['{}'])).toThrow('expected 0 arguments, got 1');
  });

  it('stops the installer container with a 5 s grace period and passes podman through', async () => {
    const podman = fakePodman();
    podman.script({ stop: { stdout: 'assisted-installer\n' } });
    const reply = await step.run(null, context(podman.run));
    expect(podman.calls()).toEqual([['stop', '-i', '-t', '5', 'assisted-installer']]);
    expect(reply).toEqual({ exitCode: 0, output: 'assisted-installer\n', error: '' });
  });

  it('passes a podman failure through', async () => {
    const podman = fakePodman();
    podman.script({ stop: { code: 125, stderr: 'storage busy\n' } });
    expect(await step.run(null, context(podman.run))).toEqual({ exitCode: 125, output: '', error: 'storage busy\n' });
  });

  it('says podman is not installed', async () => {
    const reply = await step.run(null, context(pathRunner(tempDir('no-podman'))));
    expect(reply.exitCode).toBe(-1);
    expect(reply.error).toMatch(/^podman is not installed: podman: spawn podman ENOENT/);
  });
});
