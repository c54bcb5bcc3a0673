import { describe, expect, it } from 'vitest';
import { decodeNextStepCmdRequest, decodeSteps } from './decode.js';

const IE = '11111111-1111-1111-1111-111111111111';
const HOST = '22222222-2222-2222-2222-222222222222';

describe('decodeNextStepCmdRequest', () => {
  it('accepts exactly one JSON next_step_cmd_request', () => {
    const arg = JSON.stringify({ agent_version: 'quay.io/org/agent:v1', host_id: HOST, infra_env_id: IE });
    expect(decodeNextStepCmdRequest([arg])).toEqual({ agent_version: 'quay.io/org/agent:v1', host_id: HOST, infra_env_id: IE });
  });

  it.each([
    [[], 'next_step_runner_command.args: expected exactly 1 argument, got 0'],
    [['a', 'b'], 'next_step_runner_command.args: expected exactly 1 argument, got 2'],
    [['{'], /^next_step_runner_command.args\[0\] is not JSON: /],
    [[JSON.stringify({ host_id: HOST })], 'validation failure list:\ninfra_env_id in body is required\nagent_version in body is required'],
    [[JSON.stringify({ agent_version: 'a:b', host_id: 'x', infra_env_id: IE })], 'validation failure list:\nhost_id in body must be of type uuid: "x"'],
  ])('refuses %j', (args, message) => {
    expect(() => decodeNextStepCmdRequest(args)).toThrow(message);
  });
});

describe('decodeSteps', () => {
  it('reads upstream Steps, with null instructions and args', () => {
    expect(decodeSteps({ next_instruction_seconds: 60, post_step_action: 'continue', instructions: [{ step_type: 'inventory', step_id: 'i', args: null }] })).toEqual({
      next_instruction_seconds: 60,
      post_step_action: 'continue',
      instructions: [{ step_type: 'inventory', step_id: 'i', args: [] }],
    });
  });

  it.each([
    [[], 'steps: expected a JSON object, got an array'],
    [{ post_step_action: 'stop' }, 'steps.post_step_action: expected "exit" or "continue", got the string "stop"'],
    [{ next_instruction_seconds: '5' }, 'steps.next_instruction_seconds: expected an integer, got the string "5"'],
    [{ instructions: [{ step_type: 'x', args: [1] }] }, 'steps.instructions[0].args: expected an array of strings, got an array'],
  ])('refuses %j', (body, message) => {
    expect(() => decodeSteps(body)).toThrow(message);
  });
});
