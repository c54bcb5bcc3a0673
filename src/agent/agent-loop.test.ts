import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { HttpResponse } from 'msw';
import { runAgentLoop, type AgentLoopOptions } from './agent-loop.js';
import { memoryLogger } from '../log/logger.js';
import type { NextStepCmdRequest } from '../protocol/models.js';
import type { RunnerOutcome } from './step-runner.js';
import { AGENT_IMAGE, HOST, IE, errorAnswer, recorder, registered, testClient, until } from '../../test/support/msw-service.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function start(runRunner: (r: NextStepCmdRequest) => Promise<RunnerOutcome>, extra: Partial<AgentLoopOptions> = {}) {
  const controller = new AbortController();
  const reports: string[] = [];
  const log = memoryLogger();
  const done = runAgentLoop({
    client: testClient(),
    hostId: HOST,
    infraEnvId: IE,
    intervalSeconds: 0.01,
    log,
    report: (m) => reports.push(m),
    runRunner,
    signal: controller.signal,
    ...extra,
  });
  return { controller, reports, log, done };
}

describe('agent loop', () => {
  it('runs the runner with the host id and agent version the service returned, and re-registers when it exits', async () => {
    const service = recorder(server);
    const serviceHost = '99999999-9999-9999-9999-999999999999';
    service.setRegisterDefault(registered(serviceHost));
    const requests: NextStepCmdRequest[] = [];
    const agent = start(async (request) => {
      requests.push(request);
      // msw answers without touching the event loop; let timers run between rounds.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { kind: 'exit-requested' };
    });
    await until(() => requests.length >= 3);
    agent.controller.abort();
    await agent.done;
    expect(requests[0]).toEqual({ agent_version: AGENT_IMAGE, host_id: serviceHost, infra_env_id: IE });
    // Every registration carries the same locally computed ID.
    expect(new Set(service.registers().map((r) => (r.body as { host_id: string }).host_id))).toEqual(new Set([HOST]));
  });

  it.each([
    [409, 'the cluster cannot accept new hosts in its current state (409: 409)'],
    [403, 'the service refused this host (403: 403)'],
    [401, 'the service refused the agent token (401: 401). The token was rotated or is wrong'],
    [404, `infra-env ${IE} does not exist, or the agent is not authorized to see it (404: 404)`],
  ])('stops registering on %i, says why, and stays alive until stopped', async (status, text) => {
    const service = recorder(server);
    service.setRegisterDefault(errorAnswer(status));
    const agent = start(async () => ({ kind: 'exit-requested' }));
    await until(() => agent.reports.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(service.registers()).toHaveLength(1);
    expect(agent.reports[0]).toContain(text);
    let finished = false;
    void agent.done.then(() => {
      finished = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(finished).toBe(false);
    agent.controller.abort();
    await agent.done;
  });

  it('retries a plain-text 404 and other failures every --interval, then registers', async () => {
    const service = recorder(server);
    service.queueRegister(
      () => new HttpResponse('No response could be served', { status: 404, headers: { 'Content-Type': 'text/plain' } }),
      errorAnswer(500),
      () => new HttpResponse('{"broken', { status: 201, headers: { 'Content-Type': 'application/json' } }),
    );
    service.setRegisterDefault(registered());
    let ran = 0;
    const agent = start(async () => {
      ran++;
      agent.controller.abort();
      return { kind: 'stopped' };
    });
    await agent.done;
    expect(service.registers()).toHaveLength(4);
    expect(ran).toBe(1);
    expect(agent.log.lines.filter((l) => l.message.startsWith('Error registering host:')).map((l) => l.message)).toEqual([
      'Error registering host: register host: service answered 404: No response could be served; retrying in 0.01 s',
      'Error registering host: register host: service answered 500: 500; retrying in 0.01 s',
      'Error registering host: register host: service answered 201 with a malformed body: not JSON (Unterminated string in JSON at position 8); retrying in 0.01 s',
    ]);
  });

  it('waits retry_seconds before registering again when the runner command is unusable', async () => {
    const service = recorder(server);
    service.queueRegister(registered(HOST, 1, []));
    service.setRegisterDefault(registered());
    const started = Date.now();
    let ranAt = 0;
    const agent = start(async () => {
      ranAt = Date.now();
      agent.controller.abort();
      return { kind: 'stopped' };
    });
    await agent.done;
    expect(ranAt - started).toBeGreaterThanOrEqual(950);
    expect(service.registers()).toHaveLength(2);
    expect(agent.log.lines.some((l) => l.message.includes('next_step_runner_command.args: expected exactly 1 argument, got 0'))).toBe(true);
  });

  it('freezes when polling finds the host deleted', async () => {
    const service = recorder(server);
    service.setRegisterDefault(registered());
    const agent = start(async () => ({ kind: 'host-not-found', message: 'host gone' }));
    await until(() => agent.reports.length === 1);
    expect(agent.reports).toEqual(['host gone']);
    expect(service.registers()).toHaveLength(1);
    agent.controller.abort();
    await agent.done;
  });

  it('waits retry_seconds after the runner fails', async () => {
    const service = recorder(server);
    service.setRegisterDefault(registered(HOST, 1));
    const runs: number[] = [];
    const agent = start(async () => {
      runs.push(Date.now());
      if (runs.length === 2) agent.controller.abort();
      throw new Error('cannot start');
    });
    await agent.done;
    expect(runs).toHaveLength(2);
    expect((runs[1] as number) - (runs[0] as number)).toBeGreaterThanOrEqual(950);
  });
});
