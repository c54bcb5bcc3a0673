/**
 * The packaged agent against a service that answers like an attacker on the provisioning network
 * would (issue 9): a 1.5 GB body, a byte every 5 s, no answer at all, delays that would spin or
 * overflow the timer, redirects to an origin that collects tokens. Each must end in a bounded
 * call, a log line that says why, and an agent that goes on as upstream's does.
 */
import { describe, expect, it } from 'vitest';
import { memoryOf, PULL_SECRET_TOKEN, sleep, type AgentProcess } from '../support/agent.js';
import { useFakeServiceHarness } from '../support/harness.js';
import { drip, FakeService, registrationBody, sendJson, stepsBody, streamFiller, WELL_BEHAVED, type Answer } from '../support/fake-service.js';
import { header, summarize, testHostId, type JournalRequest } from '../support/wiremock.js';

const GB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;

/** Dry-run agents with their own host IDs, so several run side by side against one service. */
function dryRun(n: number): { extra: string[] } {
  return { extra: ['--dry-run', '--force-id', testHostId(n)] };
}

/** Polls for instructions a host made, as seen by the service. */
function polls(service: FakeService, hostId: string): number {
  return service.calls('next-steps', hostId).length;
}

/** The warnings Node prints when a listener or timer piles up per poll. */
const LEAK_WARNINGS = /MaxListenersExceededWarning|possible EventTarget memory leak|TimeoutOverflowWarning/;

describe('the agent against a hostile service', () => {
  const h = useFakeServiceHarness('hagt-ans');

  it('a 1.5 GB answer, with or without Content-Length, is refused after 4 MiB; the agent stays small and polls on', async () => {
    const service = h.service;
    const sent: number[] = [];
    // Host 1 declares the length, host 2 streams chunked; host 3 is answered normally, for comparison.
    const [declared, chunked, control] = [testHostId(1), testHostId(2), testHostId(3)];
    const huge = new Map([[declared, 0], [chunked, 0]]);
    service.answer = async (call, res) => {
      const seen = huge.get(call.hostId);
      if (call.route !== 'next-steps' || seen === undefined || seen >= 4) return WELL_BEHAVED(call, res);
      huge.set(call.hostId, seen + 1);
      sent.push(await streamFiller(res, 1.5 * GB, call.hostId === declared));
    };
    const agents = [h.agent(dryRun(1)), h.agent(dryRun(2))];
    const reference = h.agent(dryRun(3));
    // The first four polls of each get the huge body; they must come back for a fifth.
    await service.waitFor(
      '5 polls by each agent',
      () => [declared, chunked, control].every((id) => polls(service, id) >= 5),
      60_000,
      () => [...agents, reference].map((a) => a.describe()).join('\n'),
    );
    for (const agent of agents) {
      expect(agent.running, agent.describe()).toBe(true);
      expect(agent.stdout).toMatch(/get next steps: service answered 200 with a malformed body: the answer is larger than the 4194304 bytes the agent accepts/);
    }
    // With a declared length the agent hangs up before reading; without one, once past the cap
    // (what the kernel's socket buffers took in on top of that is the rest).
    expect(sent).toHaveLength(8);
    for (const bytes of sent) expect(bytes).toBeLessThan(32 * MIB);
    const peak = Math.max(...agents.map((a) => memoryOf(a.pid as number).peak));
    const idle = memoryOf(reference.pid as number).peak;
    // VmHWM is the peak over the agent's life. The cap costs a few times itself (chunks, their
    // concatenation, the decoded string) before the garbage collector catches up; 96 MiB over an
    // agent that was never sent anything big is room for that and for GC timing, and far below the
    // 3.2 GB an unbounded read took.
    const note = `peak RSS ${Math.round(peak / MIB)} MiB, an agent answered normally ${Math.round(idle / MIB)} MiB`;
    expect(peak - idle, note).toBeLessThan(96 * MIB);
    console.log(`1.5 GB answers: ${note}; KiB the service got to send: ${sent.map((b) => Math.round(b / 1024)).join(', ')}`);
  });
});

describe('calls that never complete end at their deadline', () => {
  const h = useFakeServiceHarness('hagt-ddl');

  it('a poll, a registration and a step reply that drip a byte every 5 s or never answer: each call ends at the deadline, the agent retries as upstream', async () => {
    const service = h.service;
    // One agent per behaviour, side by side.
    const pollDrip = testHostId(11);
    const pollNever = testHostId(12);
    const registerDrip = testHostId(13);
    const registerNever = testHostId(14);
    const replyNever = testHostId(15);
    service.answer = (call, res) => {
      if (call.route === 'next-steps' && call.hostId === pollDrip) return drip(res, 5_000);
      if (call.route === 'next-steps' && call.hostId === pollNever) return;
      if (call.route === 'register' && call.hostId === registerDrip) return drip(res, 5_000);
      if (call.route === 'register' && call.hostId === registerNever) return;
      if (call.route === 'next-steps' && call.hostId === replyNever) {
        return sendJson(res, 200, stepsBody({ next_instruction_seconds: 1, instructions: [{ step_type: 'execute', step_id: `refused-${call.index}`, args: ['true'] }] }));
      }
      if (call.route === 'step-reply' && call.hostId === replyNever) return;
      return WELL_BEHAVED(call, res);
    };
    const env = { INBAND_REQUEST_TIMEOUT_S: '2' };
    const agents = new Map<string, AgentProcess>([11, 12, 13, 14, 15].map((n) => [testHostId(n), h.agent(dryRun(n), env)]));
    const context = (): string => `${summarize(service.journal)}\n${[...agents.values()].map((a) => a.describe()).join('\n')}`;
    // How long each call was held open before the agent hung up, for the calls that have ended.
    const held = (requests: readonly JournalRequest[]): number[] => requests.flatMap((r) => service.heldFor(r) ?? []);
    const dripped = (): number[] => held(service.calls('next-steps', pollDrip));
    const unanswered = (): number[] => held(service.calls('next-steps', pollNever));
    const registrations = (): number[] => [...held(service.calls('register', registerDrip)), ...held(service.calls('register', registerNever))];
    const replies = (): number[] => held(service.calls('step-reply', replyNever));
    await service.waitFor(
      'two calls of each kind that the agent gave up on',
      () => dripped().length >= 2 && unanswered().length >= 2 && registrations().length >= 4 && replies().length >= 2,
      30_000,
      context,
    );
    for (const agent of agents.values()) expect(agent.running, agent.describe()).toBe(true);

    // The agent hung up on each at its 2 s deadline, not at 5 s or never. The deadline runs from
    // before the connect, the service's clock from when the whole request was in (late on a loaded
    // machine), hence the slack below.
    for (const ms of [...dripped(), ...unanswered(), ...registrations(), ...replies()]) {
      expect(ms, context()).toBeGreaterThanOrEqual(1_000);
      expect(ms, context()).toBeLessThan(4_000);
    }
    // Polls back off and try again; registrations retry every --interval; a lost reply is logged and polling goes on.
    expect(agents.get(pollDrip)?.stdout).toMatch(/Step processing failed, will try again in [\d.]+ s.*get next steps: no complete answer within 2 s/);
    expect(agents.get(pollNever)?.stdout).toMatch(/Step processing failed, will try again in [\d.]+ s.*get next steps: no complete answer within 2 s/);
    expect(agents.get(registerDrip)?.stdout).toMatch(/register host: no complete answer within 2 s/);
    expect(agents.get(registerNever)?.stdout).toMatch(/register host: no complete answer within 2 s/);
    expect(agents.get(replyNever)?.stdout).toMatch(/Failed to post the reply of step refused-\d.*post execute reply: no complete answer within 2 s/);
    expect(polls(service, replyNever)).toBeGreaterThanOrEqual(2);
  });
});

describe('service-given delays', () => {
  const h = useFakeServiceHarness('hagt-dly');

  it('next_instruction_seconds of 1e12, 0 and -1 are clamped to 3600 s and 1 s with a log line; no listener or timer warnings over many polls', async () => {
    const service = h.service;
    const delays = new Map<string, number>([
      [testHostId(21), 1e12],
      [testHostId(22), 0],
      [testHostId(23), -1],
    ]);
    // Every round also carries steps, so their listeners on the runner's signal are counted too.
    service.answer = (call, res) => {
      const seconds = delays.get(call.hostId);
      if (call.route !== 'next-steps' || seconds === undefined) return WELL_BEHAVED(call, res);
      const instructions = [
        { step_type: 'execute', step_id: `execute-${call.index}`, args: ['true'] },
        { step_type: 'no-such-step', step_id: `unknown-${call.index}`, args: [] },
      ];
      return sendJson(res, 200, stepsBody({ next_instruction_seconds: seconds, instructions }));
    };
    const agents = [21, 22, 23].map((n) => h.agent(dryRun(n)));
    const context = (): string => `${summarize(service.journal)}\n${agents.map((a) => a.describe()).join('\n')}`;
    const WINDOW_MS = 15_000;
    await service.waitFor('a first poll of each agent', () => [...delays.keys()].every((id) => polls(service, id) >= 1), 15_000, context);
    const started = Date.now();
    await sleep(WINDOW_MS);
    const elapsed = (Date.now() - started) / 1000;

    // 1e12 s overflowed Node's timer into a poll per millisecond; clamped, it is one poll an hour.
    expect(polls(service, testHostId(21)), context()).toBe(1);
    // 0 and -1 spun at ~550 polls/s; clamped, one a second (each also posts its two replies).
    for (const id of [testHostId(22), testHostId(23)]) {
      const count = polls(service, id);
      expect(count, context()).toBeGreaterThanOrEqual(Math.floor(elapsed * 0.6));
      expect(count, context()).toBeLessThanOrEqual(Math.ceil(elapsed) + 2);
      expect(service.calls('step-reply', id).length).toBeGreaterThanOrEqual(2 * (count - 1));
    }
    const [huge, zero, negative] = agents as [AgentProcess, AgentProcess, AgentProcess];
    expect(huge.stdout).toMatch(/next_instruction_seconds from the service: 1000000000000 s is above the 3600 s maximum; using 3600/);
    expect(zero.stdout).toMatch(/next_instruction_seconds from the service: 0 s is below the 1 s minimum; using 1/);
    expect(negative.stdout).toMatch(/next_instruction_seconds from the service: -1 s is below the 1 s minimum; using 1/);
    for (const agent of agents) {
      expect(agent.running, agent.describe()).toBe(true);
      expect(agent.stderr).not.toMatch(LEAK_WARNINGS);
      expect(agent.stdout).not.toMatch(LEAK_WARNINGS);
    }
  });
});

describe('redirects', () => {
  const h = useFakeServiceHarness('hagt-rdr');

  it('a redirect of a registration, a poll or a step reply to another origin: the agent follows none, that origin never sees the token, the agent says why', async () => {
    const service = h.service;
    // Another origin in the same namespace, where a hostile redirect would send the agent.
    const collector = await FakeService.start({ netns: h.netns });
    try {
      const elsewhere = (path: string): string => `${collector.url}${path}`;
      const registerRedirected = testHostId(31);
      const pollRedirected = testHostId(32);
      const replyRedirected = testHostId(33);
      const redirect = (res: Parameters<Answer>[1], status: number, location: string): void => {
        res.writeHead(status, { Location: location, 'Content-Length': '0' }).end();
      };
      service.answer = (call, res) => {
        const path = call.request.url;
        if (call.route === 'register' && call.hostId === registerRedirected) return redirect(res, 307, elsewhere(path));
        if (call.route === 'next-steps' && call.hostId === pollRedirected) return redirect(res, 302, elsewhere(path));
        if (call.route === 'next-steps' && call.hostId === replyRedirected) {
          return sendJson(res, 200, stepsBody({ instructions: [{ step_type: 'execute', step_id: `redirected-${call.index}`, args: ['true'] }] }));
        }
        if (call.route === 'step-reply' && call.hostId === replyRedirected) return redirect(res, 308, elsewhere(path));
        return WELL_BEHAVED(call, res);
      };
      const agents = [31, 32, 33].map((n) => h.agent(dryRun(n)));
      const context = (): string => `${summarize(service.journal)}\ncollector: ${summarize(collector.journal)}\n${agents.map((a) => a.describe()).join('\n')}`;
      await service.waitFor(
        'each redirect answered twice',
        () => service.calls('register', registerRedirected).length >= 2 && polls(service, pollRedirected) >= 2 && service.calls('step-reply', replyRedirected).length >= 2,
        30_000,
        context,
      );
      // The token went where --url points, and nowhere else.
      expect(service.journal.every((r) => header(r, 'X-Secret-Key') === PULL_SECRET_TOKEN)).toBe(true);
      expect(collector.journal.filter((r) => header(r, 'X-Secret-Key') !== undefined), context()).toEqual([]);
      expect(collector.journal, context()).toEqual([]);
      const says = (operation: string, status: number): RegExp =>
        new RegExp(`${operation}: service answered ${status}: redirected to ${collector.url.replace(/\./g, '\\.')}/\\S*; the agent follows no redirects, so its token goes only to ${service.url.replace(/\./g, '\\.')}: give the final address as --url`);
      const [registering, polling, replying] = agents as [AgentProcess, AgentProcess, AgentProcess];
      expect(registering.stdout).toMatch(says('register host', 307));
      expect(polling.stdout).toMatch(says('get next steps', 302));
      expect(replying.stdout).toMatch(says('post execute reply', 308));
      for (const agent of agents) expect(agent.running, agent.describe()).toBe(true);
    } finally {
      await collector.stop();
    }
  });
});
