/**
 * Instructions and their replies, and the wire format of every call: upstream's "Step not exists"
 * and "Multiple steps" scenarios, with steps this agent answers without touching the test machine.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PULL_SECRET_TOKEN, sleep } from './support/agent.js';
import { expectSessionHeaders, expectValidRegistration, expectValidStepReply } from './support/contract.js';
import { useHarness } from './support/harness.js';
import { expectSameFields } from '../test/inventory/support.js';
import {
  AGENT_VERSION,
  HOSTS_PATH,
  RUNNER_AGENT_VERSION,
  header,
  instructionPolls,
  jsonBody,
  nextStepsStub,
  registerStub,
  registrations,
  stepReplies,
  stepReplyStub,
  summarize,
  testHostId,
  type JournalRequest,
} from './support/wiremock.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

describe('Step replies', () => {
  const h = useHarness();

  it('step not exists: the reply says so with exit code -1', async () => {
    const hostId = testHostId(30);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(
      nextStepsStub(hostId, {
        next_instruction_seconds: 100,
        instructions: [{ step_type: 'Step-not-exists', step_id: 'wrong-step', args: [] }],
      }),
    );
    await wm.stub(stepReplyStub(hostId));
    h.agent();

    const journal = await wm.waitFor('the step reply', (j) => stepReplies(j, hostId).length >= 1);
    const [reply] = stepReplies(journal, hostId) as [JournalRequest];
    // Upstream also sends output:"", but StepReply's omitempty drops it on the wire.
    expect(jsonBody(reply)).toStrictEqual({
      error: 'failed to find action for step type Step-not-exists',
      exit_code: -1,
      step_id: 'wrong-step',
      step_type: 'Step-not-exists',
    });
    expect(reply.status).toBe(204);
    expectValidStepReply(reply);
  });

  it('several steps in one answer: one reply per step, each with its own error', async () => {
    const hostId = testHostId(31);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(
      nextStepsStub(hostId, {
        next_instruction_seconds: 100,
        instructions: [
          { step_type: 'no-such-step', step_id: 'unknown-step', args: [] },
          { step_type: 'free-network-addresses', step_id: 'bad-cidr-step', args: ['["198.18.0.1/24"]'] },
          { step_type: 'execute', step_id: 'execute-step', args: ['echo', 'hello'] },
        ],
      }),
    );
    await wm.stub(stepReplyStub(hostId));
    h.agent();

    await wm.waitFor('3 step replies', (j) => stepReplies(j, hostId).length >= 3);
    // A little longer, to catch a step answered twice.
    await sleep(1_000);
    const journal = await wm.journal();
    expect(instructionPolls(journal, hostId), summarize(journal)).toHaveLength(1);
    const replies = stepReplies(journal, hostId);
    expect(replies, summarize(journal)).toHaveLength(3);
    const byId = Object.fromEntries(replies.map((r) => [jsonBody(r).step_id, jsonBody(r)]));
    expect(byId).toStrictEqual({
      'unknown-step': {
        step_id: 'unknown-step',
        step_type: 'no-such-step',
        exit_code: -1,
        error: 'failed to find action for step type no-such-step',
      },
      'bad-cidr-step': {
        step_id: 'bad-cidr-step',
        step_type: 'free-network-addresses',
        exit_code: -1,
        error: 'Requested CIDR 198.18.0.0/24 is not equal to provided network 198.18.0.1/24',
      },
      'execute-step': {
        step_id: 'execute-step',
        step_type: 'execute',
        exit_code: -1,
        error: 'failed to find action for step type execute: running arbitrary commands sent by the service is refused by design',
      },
    });
    for (const reply of replies) expectValidStepReply(reply);
  });

  it('every call carries the session headers, and bodies are go-openapi JSON', async () => {
    const hostId = testHostId(32);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(
      nextStepsStub(hostId, {
        next_instruction_seconds: 1,
        instructions: [
          { step_type: 'free-network-addresses', step_id: 'bad-cidr-header-step', args: ['["198.18.0.1/24"]'] },
          { step_type: 'html<&>step', step_id: 'html-step', args: [] },
        ],
      }),
    );
    await wm.stub(stepReplyStub(hostId));
    h.agent();

    const journal = await wm.waitFor(
      '2 polls and 4 replies',
      (j) => instructionPolls(j, hostId).length >= 2 && stepReplies(j, hostId).length >= 4,
    );
    const registers = registrations(journal);
    const polls = instructionPolls(journal, hostId);
    const replies = stepReplies(journal, hostId);
    expect(registers.length + polls.length + replies.length, summarize(journal)).toBe(journal.length);

    // Registration speaks for this binary; the runner for the image the service named.
    for (const r of registers) expectSessionHeaders(r, AGENT_VERSION, PULL_SECRET_TOKEN);
    for (const r of [...polls, ...replies]) expectSessionHeaders(r, RUNNER_AGENT_VERSION, PULL_SECRET_TOKEN);
    for (const r of polls) expect(r.url).toMatch(new RegExp(`^${HOSTS_PATH}/${hostId}/instructions\\?timestamp=\\d+$`));

    // A new session per poll iteration, so the service can tell iterations apart in its logs.
    const pollIds = polls.map((r) => header(r, 'X-Request-ID'));
    expect(new Set(pollIds).size).toBe(pollIds.length);

    // go-openapi's JSON producer ends bodies with a newline and does not escape HTML characters.
    for (const r of [...registers, ...replies]) expect(r.body.endsWith('}\n'), r.body).toBe(true);
    const htmlReply = replies.find((r) => jsonBody(r).step_id === 'html-step');
    expect(htmlReply?.body).toContain('"step_type":"html<&>step"');
    for (const r of registers) expectValidRegistration(r);
    for (const r of replies) expectValidStepReply(r);
  });

  it('inventory step: the reply is the inventory of the host root the agent was given, and garbage args get -1', async () => {
    const hostId = testHostId(33);
    const wm = h.wiremock;
    const fixture = path.join(ROOT, 'test/fixtures/hosts/vm-virtio');
    const expected = JSON.parse(readFileSync(path.join(fixture, 'expected-inventory.json'), 'utf8')) as Record<string, unknown>;
    await wm.stub(registerStub(hostId));
    await wm.stub(
      nextStepsStub(hostId, {
        next_instruction_seconds: 100,
        instructions: [
          { step_type: 'inventory', step_id: 'inventory-1a2b3c4d', args: [hostId] },
          { step_type: 'inventory', step_id: 'inventory-garbage', args: ['{not json'] },
        ],
      }),
    );
    await wm.stub(stepReplyStub(hostId));
    h.agent({ hostRoot: fixture });

    const journal = await wm.waitFor('2 inventory replies', (j) => stepReplies(j, hostId).length >= 2);
    const byId = Object.fromEntries(stepReplies(journal, hostId).map((r) => [jsonBody(r).step_id, jsonBody(r)]));
    const good = byId['inventory-1a2b3c4d'] as { exit_code?: number; output: string; step_type: string };
    expect(good.exit_code).toBeUndefined();
    expect(good.step_type).toBe('inventory');
    // Field by field: upstream's fields exactly, our extension fields where the expectation has them.
    expect(expectSameFields(JSON.parse(good.output), expected)).toBeGreaterThan(60);
    const bad = byId['inventory-garbage'] as { exit_code: number; error: string; output?: string };
    expect(bad.exit_code).toBe(-1);
    expect(bad.error).toContain('{not json');
    expect(bad.output).toBeUndefined();
  });
});
