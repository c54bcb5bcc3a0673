/**
 * Upstream subsystem/agent_test.go ("Agent tests"), ported: the packaged agent against a real
 * WireMock, judged only by the requests WireMock received and by what the agent printed.
 */
import { describe, expect, it } from 'vitest';
import { sleep, PULL_SECRET_TOKEN } from './support/agent.js';
import { expectValidRegistration, UUID_RE } from './support/contract.js';
import { useHarness } from './support/harness.js';
import {
  AGENT_VERSION,
  header,
  instructionPolls,
  jsonBody,
  nextStepsStub,
  registerErrorStub,
  registerInvalidCommandStub,
  registerStub,
  registrations,
  stepReplyStub,
  summarize,
  testHostId,
  type JournalRequest,
} from './support/wiremock.js';

/** The gaps between consecutive requests, in ms of WireMock's clock. */
function gaps(requests: readonly JournalRequest[]): number[] {
  return requests.slice(1).map((r, i) => r.loggedDate - (requests[i] as JournalRequest).loggedDate);
}

function hostIds(requests: readonly JournalRequest[]): unknown[] {
  return requests.map((r) => jsonBody(r).host_id);
}

describe('Agent tests', () => {
  const h = useHarness();

  it('happy flow: a valid registration, then polling for instructions', async () => {
    const hostId = testHostId(1);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 1 }));
    const agent = h.agent();

    const journal = await wm.waitFor('a GET of instructions', (j) => instructionPolls(j, hostId).length >= 1);
    const registers = registrations(journal);
    expect(registers, summarize(journal)).toHaveLength(1);
    const register = registers[0] as JournalRequest;
    const body = jsonBody(register);
    expect(body.host_id).toMatch(UUID_RE);
    expect(header(register, 'X-Secret-Key')).toBe(PULL_SECRET_TOKEN);
    expect(body.discovery_agent_version).toBe(AGENT_VERSION);
    expectValidRegistration(register);
    expect(instructionPolls(journal, hostId)[0]?.status).toBe(200);
    expect(agent.running, agent.describe()).toBe(true);
  });

  it('next step runner fails - default delay: no usable command and no retry_seconds waits an hour', async () => {
    const wm = h.wiremock;
    await wm.stub(registerInvalidCommandStub(testHostId(2), -1));
    const agent = h.agent();

    await wm.waitFor('the registration', (j) => registrations(j).length >= 1);
    // --interval is 1 s: an agent that fell back to it would register again within this window.
    await sleep(4_000);
    const journal = await wm.journal();
    expect(registrations(journal), summarize(journal)).toHaveLength(1);
    expect(instructionPolls(journal), summarize(journal)).toHaveLength(0);
    expect(agent.running, agent.describe()).toBe(true);
    expect(agent.stdout).toMatch(/registering again in 3600 s/);
  });

  it('next step runner keeps failing - registration is retried after retry_seconds', async () => {
    const wm = h.wiremock;
    await wm.stub(registerInvalidCommandStub(testHostId(3), 3));
    h.agent();

    const journal = await wm.waitFor('a second registration', (j) => registrations(j).length >= 2, 12_000);
    expect(instructionPolls(journal), summarize(journal)).toHaveLength(0);
    // 3 s from the service, not the 1 s --interval and not the one-hour default.
    const [gap] = gaps(registrations(journal));
    expect(gap).toBeGreaterThanOrEqual(2_500);
    expect(gap).toBeLessThan(8_000);
  });

  it('next step runner fails once, then the retry succeeds', async () => {
    const hostId = testHostId(4);
    const wm = h.wiremock;
    const invalid = await wm.stub(registerInvalidCommandStub(hostId, 3));
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 1 }));
    h.agent();

    const first = await wm.waitFor('the first registration', (j) => registrations(j).length >= 1);
    expect(instructionPolls(first), summarize(first)).toHaveLength(0);
    await wm.removeStub(invalid);
    await wm.stub(registerStub(hostId));

    const journal = await wm.waitFor('a GET after the second registration', (j) => instructionPolls(j, hostId).length >= 1, 12_000);
    const registers = registrations(journal);
    expect(registers, summarize(journal)).toHaveLength(2);
    expect(gaps(registers)[0]).toBeGreaterThanOrEqual(2_500);
    expect(registers.map((r) => r.status)).toEqual([201, 201]);
  });

  it('next step exits - stop after the next step and re-register', async () => {
    const hostId = testHostId(5);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 1, post_step_action: 'exit' }));
    h.agent();

    const journal = await wm.waitFor(
      '>1 registration and >1 GET',
      (j) => registrations(j).length > 1 && instructionPolls(j, hostId).length > 1,
      15_000,
    );
    // One poll per runner: registrations and polls alternate, starting with a registration.
    const kinds = journal.map((r) => (r.method === 'POST' ? 'R' : 'G')).join('');
    expect(kinds).toMatch(/^(RG)+R?$/);
  });

  it('next step continues - keep polling without re-registering', async () => {
    const hostId = testHostId(6);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 1, post_step_action: 'continue' }));
    h.agent();

    const journal = await wm.waitFor('3 GETs', (j) => instructionPolls(j, hostId).length >= 3, 10_000);
    expect(registrations(journal), summarize(journal)).toHaveLength(1);
  });

  it('re-registers with the same host_id every time, with Go-style single-dash flags', async () => {
    const hostId = testHostId(7);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 1, post_step_action: 'exit' }));
    h.agent({ goStyle: true });

    const journal = await wm.waitFor('3 registrations', (j) => registrations(j).length >= 3, 15_000);
    const ids = hostIds(registrations(journal));
    expect(new Set(ids).size).toBe(1);
    // The agent registers with its own hardware ID; the service's answer only steers the polling.
    expect(ids[0]).not.toBe(hostId);
    expect(ids[0]).toMatch(UUID_RE);
  });

  describe('register action makes the agent wait forever', () => {
    it.each([
      { status: 409, says: /cluster cannot accept new hosts/ },
      { status: 403, says: /not allowed to register/ },
      { status: 404, says: /does not exist, or the agent is not authorized/ },
      { status: 401, says: /refused the agent token .*rotated or is wrong/ },
    ])('register answered $status: one request, then the agent freezes', async ({ status, says }) => {
      const wm = h.wiremock;
      await wm.stub(registerErrorStub(status));
      const agent = h.agent();

      const [line] = await agent.waitForOutput('stderr', /^inband: .*$/m, 10_000);
      expect(line).toMatch(says);
      expect(line).toContain(String(status));
      // With --interval 1 a retrying agent would have sent two or three more requests by now.
      await sleep(3_000);
      const journal = await wm.journal();
      expect(journal, summarize(journal)).toHaveLength(1);
      expect(journal[0]?.status).toBe(status);
      expect(agent.running, agent.describe()).toBe(true);
      const ended = await agent.stop();
      expect(ended).toEqual({ code: 0, signal: null });
    });
  });

  it('next_instruction_seconds 1: more than 3 GETs within 5 s, none early', async () => {
    const hostId = testHostId(8);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 1 }));
    h.agent();

    const journal = await wm.waitFor('4 GETs', (j) => instructionPolls(j, hostId).length >= 4, 10_000);
    const polls = instructionPolls(journal, hostId);
    expect((polls[3] as JournalRequest).loggedDate - (polls[0] as JournalRequest).loggedDate).toBeLessThan(5_000);
    for (const gap of gaps(polls)) expect(gap).toBeGreaterThanOrEqual(900);
  });

  it('next_instruction_seconds 100: fewer than 2 GETs in the window', async () => {
    const hostId = testHostId(9);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 100 }));
    const agent = h.agent();

    await wm.waitFor('the first GET', (j) => instructionPolls(j, hostId).length >= 1);
    await sleep(4_000);
    const journal = await wm.journal();
    expect(instructionPolls(journal, hostId), summarize(journal)).toHaveLength(1);
    expect(registrations(journal)).toHaveLength(1);
    expect(agent.running, agent.describe()).toBe(true);
  });

  it('cluster or host does not exist: a 404 on GET stops polling for good', async () => {
    const hostId = testHostId(10);
    const wm = h.wiremock;
    await wm.stub(registerStub(hostId));
    // Upstream's stub: a 404 that still carries a JSON (Steps) body, so the client decodes it as typed.
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 1 }, 404));
    const agent = h.agent();

    const [line] = await agent.waitForOutput('stderr', /^inband: .*$/m, 10_000);
    expect(line).toMatch(new RegExp(`host ${hostId} was not found`));
    // Backoff starts at 0.5 s: a retrying runner would poll again well within this window.
    await sleep(3_000);
    const journal = await wm.journal();
    expect(instructionPolls(journal, hostId), summarize(journal)).toHaveLength(1);
    expect(registrations(journal), summarize(journal)).toHaveLength(1);
    expect(agent.running, agent.describe()).toBe(true);
  });

  it('register recovery: unmatched requests are retried every --interval until a stub answers', async () => {
    const hostId = testHostId(11);
    const wm = h.wiremock;
    await wm.stub(nextStepsStub(hostId, { next_instruction_seconds: 1 }));
    await wm.stub(stepReplyStub(hostId));
    const agent = h.agent();

    const failing = await wm.waitFor('2 unanswered registrations', (j) => registrations(j).length >= 2, 10_000);
    const refused = registrations(failing);
    // WireMock's own 404 is plain text; upstream's client cannot decode it, so it is not a refusal.
    for (const r of refused) expect({ matched: r.wasMatched, status: r.status }).toEqual({ matched: false, status: 404 });
    expect(gaps(refused)[0]).toBeGreaterThanOrEqual(900);
    expect(agent.stderr).not.toMatch(/^inband: /m);

    await wm.stub(registerStub(hostId));
    const journal = await wm.waitFor('polling after the registration succeeds', (j) => instructionPolls(j, hostId).length >= 1, 10_000);
    const registers = registrations(journal);
    expect(registers.at(-1)?.status).toBe(201);
    expect(registers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(hostIds(registers)).size).toBe(1);
  });
});
