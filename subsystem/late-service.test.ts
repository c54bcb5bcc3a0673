/**
 * A host usually boots faster than the service behind it is reachable: the agent must keep trying
 * through connection failures and register once the service listens. This file runs its own
 * WireMock, started after the agent, on a port chosen beforehand.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentArgs, makeHostRoot, PULL_SECRET_TOKEN, startAgent, stopAllAgents } from './support/agent.js';
import { expectWireContract } from './support/contract.js';
import {
  AGENT_VERSION,
  instructionPolls,
  jsonBody,
  nextStepsStub,
  registerStub,
  registrations,
  summarize,
  testHostId,
  WireMock,
} from './support/wiremock.js';
import { freePort } from './support/free-port.js';


describe('Service availability', () => {
  // In a hook, not at collection: a filtered-out file runs no hooks and would leak the directory.
  let root: { dir: string; cleanup: () => void } | undefined;
  let wiremock: WireMock | undefined;
  beforeAll(() => {
    root = makeHostRoot();
  });
  afterEach(async () => {
    await stopAllAgents();
    await wiremock?.stop();
    wiremock = undefined;
  });
  afterAll(() => root?.cleanup());

  it('the service comes up late: the agent retries until it can register', async () => {
    const hostId = testHostId(50);
    const port = await freePort();
    if (!root) throw new Error('host root not created (see beforeAll)');
    const agent = startAgent(agentArgs({ url: `http://127.0.0.1:${port}`, hostRoot: root.dir }));

    // Wait out a whole registration attempt (the transport's own retries included) against the closed
    // port, so that what follows proves the registration loop itself carries on after a network error.
    await agent.waitForOutput('stdout', /ECONNREFUSED/, 20_000);
    await agent.waitForOutput('stdout', /Error registering host: .*ECONNREFUSED/, 30_000);
    expect(agent.running, agent.describe()).toBe(true);

    wiremock = await WireMock.start({ port });
    wiremock.watch(agent);
    await wiremock.stub(registerStub(hostId));
    await wiremock.stub(nextStepsStub(hostId, { next_instruction_seconds: 1 }));

    // The agent may be inside another round of transport retries (up to 2 + 4 + 8 s) when WireMock comes up.
    const journal = await wiremock.waitFor('registration and a poll', (j) => instructionPolls(j, hostId).length >= 1, 45_000);
    const registered = registrations(journal).filter((r) => r.status === 201);
    expect(registered, summarize(journal)).toHaveLength(1);
    const body = jsonBody(registered[0] as (typeof registered)[number]);
    expect(body.discovery_agent_version).toBe(AGENT_VERSION);
    expectWireContract(journal, PULL_SECRET_TOKEN);
    expect(agent.stderr).not.toMatch(/^inband: /m);
  });
});
