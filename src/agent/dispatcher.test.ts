import { describe, expect, it } from 'vitest';
import { dispatchStep, toStepReply } from './dispatcher.js';
import { STEP_REGISTRY } from '../steps/registry.js';
import { STEP_TYPES } from '../protocol/step-types.js';
import { StepArgsError } from '../errors.js';
import { HostFs } from '../host/host-fs.js';
import { runCommand } from '../host/command-runner.js';
import { memoryLogger } from '../log/logger.js';
import { DRY_RUN_OFF } from '../config/dry-run.js';
import type { StepContext, StepModule } from '../steps/types.js';

const context = (signal: AbortSignal): StepContext => ({
  signal,
  run: runCommand,
  hostFs: new HostFs('/'),
  log: memoryLogger(),
  agent: { url: '', infraEnvId: '', hostId: '', agentVersion: '', insecure: false, token: '' },
  dryRun: DRY_RUN_OFF,
});

function registryWith(module: StepModule<any>) {
  return new Map([[module.type, module]]);
}

describe('dispatchStep', () => {
  it('knows every upstream step type', () => {
    expect([...STEP_REGISTRY.keys()].sort()).toEqual([...STEP_TYPES].sort());
  });

  it('answers an unknown step type with upstream\'s exact error', async () => {
    const result = await dispatchStep({ step_id: 'wrong-step', step_type: 'Step-not-exists', args: [] }, { registry: STEP_REGISTRY, context });
    expect(result).toEqual({ exitCode: -1, output: '', error: 'failed to find action for step type Step-not-exists' });
    expect(toStepReply({ step_id: 'wrong-step', step_type: 'Step-not-exists', args: [] }, result)).toEqual({
      step_id: 'wrong-step',
      step_type: 'Step-not-exists',
      exit_code: -1,
      error: 'failed to find action for step type Step-not-exists',
    });
  });

  it('refuses execute as a security boundary', async () => {
    const result = await dispatchStep({ step_id: 'e', step_type: 'execute', args: ['rm', '-rf', '/'] }, { registry: STEP_REGISTRY, context });
    expect(result.exitCode).toBe(-1);
    expect(result.error).toBe('failed to find action for step type execute: running arbitrary commands sent by the service is refused by design');
  });

  it('answers bad arguments with exit -1 and the parser\'s message', async () => {
    const module: StepModule<number> = {
      type: 'verify-vips',
      timeoutMs: 1000,
      parseArgs: () => {
        throw new StepArgsError('validation failure list:\nvip in body is required');
      },
      run: async () => ({ exitCode: 0, output: 'never', error: '' }),
    };
    const result = await dispatchStep({ step_id: 'v', step_type: 'verify-vips', args: ['{}'] }, { registry: registryWith(module), context });
    expect(result).toEqual({ exitCode: -1, output: '', error: 'validation failure list:\nvip in body is required' });
  });

  it('cancels a step that outlives its time limit and answers 124', async () => {
    let aborted = false;
    const module: StepModule<null> = {
      type: 'ntp-synchronizer',
      timeoutMs: 50,
      parseArgs: () => null,
      run: (_, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ exitCode: 0, output: 'late', error: '' });
          });
        }),
    };
    const result = await dispatchStep({ step_id: 'n', step_type: 'ntp-synchronizer', args: [] }, { registry: registryWith(module), context });
    expect(result).toEqual({ exitCode: 124, output: '', error: 'ntp-synchronizer timed out after 0 s' });
    expect(aborted).toBe(true);
  });

  it('turns a crash inside a step into exit -1 with the reason', async () => {
    const module: StepModule<null> = {
      type: 'domain-resolution',
      timeoutMs: 1000,
      parseArgs: () => null,
      run: async () => {
        throw new TypeError('cannot read x of undefined');
      },
    };
    const result = await dispatchStep({ step_id: 'd', step_type: 'domain-resolution', args: [] }, { registry: registryWith(module), context });
    expect(result).toEqual({ exitCode: -1, output: '', error: 'domain-resolution failed: cannot read x of undefined' });
  });
});
