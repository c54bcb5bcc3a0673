import { describe, expect, it } from 'vitest';
import step from './upgrade-agent.js';
import { context, result, scriptedRunner } from '../../test/support/step-runner-fake.js';
import { fakePodman, pathRunner } from '../../test/support/fake-podman.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { swaggerErrors } from '../../test/support/swagger.js';

const IMAGE = 'quay.io/edge/assisted-installer-agent:v1.0.0-142';

function expectWireValid(output: string): void {
  expect(swaggerErrors('upgrade_agent_response', JSON.parse(output))).toEqual([]);
}

describe('upgrade-agent', () => {
  it('refuses a missing or option-like image', () => {
    expect(() => step.parseArgs(['{}'])).toThrow('validation failure list:\nagent_image in body is required');
    expect(() => step.parseArgs(['{"agent_image":"--help"}'])).toThrow('agent_image in body must not start with "-": "--help"');
    expect(() => step.parseArgs([])).toThrow('expected 1 argument (the upgrade_agent_request JSON), got 0');
  });

  it('pulls the image as one argument and asks for re-registration on success', async () => {
    const podman = fakePodman();
    const odd = `${IMAGE} ;$(reboot) 'q' "d"\nx`;
    const reply = await step.run(step.parseArgs([JSON.stringify({ agent_image: odd })]), context(podman.run));
    expect(podman.calls()).toEqual([['pull', odd]]);
    expect(reply).toEqual({ exitCode: 0, output: JSON.stringify({ agent_image: odd, result: 'success' }), error: '', reRegister: true });
  });

  it('reports a failed pull with exit code 0 and no re-registration', async () => {
    const podman = fakePodman();
    podman.script({ pull: { code: 125, stderr: 'unauthorized\n' } });
    const reply = await step.run(step.parseArgs([JSON.stringify({ agent_image: IMAGE })]), context(podman.run));
    expect(podman.calls()).toEqual([['pull', IMAGE]]);
    expect(reply).toEqual({ exitCode: 0, output: `{"agent_image":"${IMAGE}","result":"failure"}`, error: `podman pull ${IMAGE} exited with code 125: unauthorized` });
    expectWireValid(reply.output);
  });

  it('answers with no result while a pull is already in progress', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { run, calls } = scriptedRunner(async () => {
      await gate;
      return result('');
    });
    const first = step.run(step.parseArgs([JSON.stringify({ agent_image: IMAGE })]), context(run));
    const second = await step.run(step.parseArgs([JSON.stringify({ agent_image: IMAGE })]), context(run));
    expect(second).toEqual({ exitCode: 0, output: `{"agent_image":"${IMAGE}"}`, error: '' });
    expectWireValid(second.output);
    release();
    expect((await first).reRegister).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('says podman is not installed', async () => {
    const reply = await step.run(step.parseArgs([JSON.stringify({ agent_image: IMAGE })]), context(pathRunner(tempDir('no-podman'))));
    expect(reply.exitCode).toBe(-1);
    expect(reply.reRegister).toBeUndefined();
    expect(reply.error).toMatch(/^podman is not installed: podman: spawn podman ENOENT/);
  });
});
