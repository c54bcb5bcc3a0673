/**
 * Per-file lifecycle, as upstream's BeforeEach: one WireMock per file (a JVM start costs seconds),
 * stubs and journal reset before each test, every agent stopped and the wire contract checked on
 * the traffic after each test, and the JVM killed after the file, whatever happened in between.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  agentArgs,
  makeHostRoot,
  PULL_SECRET_TOKEN,
  startAgent,
  startAgentInNetns,
  stopAllAgents,
  type AgentArgsOptions,
  type AgentProcess,
} from './agent.js';
import { expectWireContract } from './contract.js';
import { FakeService, WELL_BEHAVED } from './fake-service.js';
import { Topology } from './netns.js';
import { WireMock } from './wiremock.js';

export interface Harness {
  readonly wiremock: WireMock;
  /** A fake host tree with a usable board serial, so no test depends on the machine's DMI data. */
  readonly hostRoot: string;
  /** Starts dist/inband against this file's WireMock with upstream's docker-compose flags. */
  agent(options?: Partial<AgentArgsOptions>, env?: Record<string, string>): AgentProcess;
}

export function useHarness(): Harness {
  let wiremock: WireMock | undefined;
  let root: { dir: string; cleanup: () => void } | undefined;

  beforeAll(async () => {
    root = makeHostRoot();
    wiremock = await WireMock.start();
  });
  afterAll(async () => {
    await stopAllAgents();
    await wiremock?.stop();
    root?.cleanup();
  });
  beforeEach(async () => {
    await wiremock?.reset();
  });
  // Before the next test's reset, so a previous agent's late requests never land in its journal.
  afterEach(async () => {
    wiremock?.unwatchAll();
    await stopAllAgents();
    // Checked on every scenario's traffic, not just the tests that are about the wire format.
    if (wiremock) expectWireContract(await wiremock.journal(), PULL_SECRET_TOKEN);
  });

  const harness: Harness = {
    get wiremock(): WireMock {
      if (!wiremock) throw new Error('WireMock did not start (see beforeAll)');
      return wiremock;
    },
    get hostRoot(): string {
      if (!root) throw new Error('host root not created (see beforeAll)');
      return root.dir;
    },
    agent(options = {}, env = {}) {
      const agent = startAgent(agentArgs({ url: harness.wiremock.url, hostRoot: harness.hostRoot, ...options }), env);
      harness.wiremock.watch(agent);
      return agent;
    },
  };
  return harness;
}

export interface FakeServiceHarness {
  readonly service: FakeService;
  /** The namespace the agents and the service share; it has nothing but a loopback interface in use. */
  readonly netns: string;
  readonly hostRoot: string;
  /** dist/inband agent in the namespace, against this file's hostile service. */
  agent(options?: Partial<AgentArgsOptions>, env?: Record<string, string>): AgentProcess;
}

/**
 * Per-file lifecycle of the fake-service suites: one namespace and one fake service in it for
 * the file, the service's journal cleared and its answer reset before each test, every agent
 * stopped after each test.
 */
export function useFakeServiceHarness(prefix: string): FakeServiceHarness {
  let topology: Topology | undefined;
  let service: FakeService | undefined;
  let root: { dir: string; cleanup: () => void } | undefined;

  beforeAll(async () => {
    root = makeHostRoot();
    topology = await Topology.create({ prefix, hosts: [{ name: 'agent' }] });
    service = await FakeService.start({ netns: topology.host('agent').netns });
  });
  afterAll(async () => {
    await stopAllAgents();
    await service?.stop();
    await topology?.destroy();
    root?.cleanup();
  });
  beforeEach(() => {
    service?.clear();
    if (service) service.answer = WELL_BEHAVED;
  });
  afterEach(async () => {
    await stopAllAgents();
  });

  const harness: FakeServiceHarness = {
    get service(): FakeService {
      if (!service) throw new Error('hostile service did not start (see beforeAll)');
      return service;
    },
    get netns(): string {
      if (!topology) throw new Error('namespace not created (see beforeAll)');
      return topology.host('agent').netns;
    },
    get hostRoot(): string {
      if (!root) throw new Error('host root not created (see beforeAll)');
      return root.dir;
    },
    agent(options = {}, env = {}) {
      return startAgentInNetns(harness.netns, agentArgs({ url: harness.service.url, hostRoot: harness.hostRoot, ...options }), env);
    },
  };
  return harness;
}
