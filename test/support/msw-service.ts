/**
 * An in-memory stand-in for the service's agent API, built on msw, for unit tests of the agent's
 * loops: it answers with whatever each test queues and records every request.
 */
import { http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import { ServiceClient } from '../../src/client/service-client.js';

export const BASE = 'http://service.test:8090';
export const IE = '11111111-1111-1111-1111-111111111111';
export const HOST = '22222222-2222-2222-2222-222222222222';
export const AGENT_IMAGE = 'quay.io/edge-infrastructure/assisted-installer-agent:latest';
export const HOSTS = `${BASE}/api/assisted-install/v2/infra-envs/${IE}/hosts`;

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  at: number;
}

export type Answer = () => Response | Promise<Response>;

export function recorder(server: SetupServer) {
  const requests: Recorded[] = [];
  const queues = { register: [] as Answer[], steps: [] as Answer[] };
  let registerDefault: Answer = () => HttpResponse.json({ reason: 'no stub' }, { status: 500 });
  let stepsDefault: Answer = () => HttpResponse.json({ next_instruction_seconds: 0, instructions: [] });
  const record = async (request: Request): Promise<void> => {
    const text = await request.clone().text();
    requests.push({ method: request.method, path: new URL(request.url).pathname, body: text ? JSON.parse(text) : undefined, at: Date.now() });
  };
  server.use(
    http.post(HOSTS, async ({ request }) => {
      await record(request);
      return (queues.register.shift() ?? registerDefault)();
    }),
    http.get(`${HOSTS}/:host/instructions`, async ({ request }) => {
      await record(request);
      return (queues.steps.shift() ?? stepsDefault)();
    }),
    http.post(`${HOSTS}/:host/instructions`, async ({ request }) => {
      await record(request);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return {
    requests,
    registers: () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/hosts')),
    polls: () => requests.filter((r) => r.method === 'GET'),
    replies: () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/instructions')).map((r) => r.body as Record<string, unknown>),
    queueRegister: (...answers: Answer[]) => queues.register.push(...answers),
    queueSteps: (...answers: Answer[]) => queues.steps.push(...answers),
    setRegisterDefault: (answer: Answer) => {
      registerDefault = answer;
    },
    setStepsDefault: (answer: Answer) => {
      stepsDefault = answer;
    },
  };
}

export function testClient(): ServiceClient {
  return new ServiceClient({ url: BASE, infraEnvId: IE, agentVersion: AGENT_IMAGE, token: 'tok', retry: { retries: 0, baseMs: 1, capMs: 1 } });
}

export function registered(hostId = HOST, retrySeconds?: number, args?: string[]): Answer {
  return () =>
    HttpResponse.json(
      {
        id: hostId,
        kind: 'Host',
        href: '',
        status: 'discovering',
        status_info: '',
        next_step_runner_command: {
          args: args ?? [JSON.stringify({ agent_version: AGENT_IMAGE, host_id: hostId, infra_env_id: IE })],
          retry_seconds: retrySeconds,
        },
      },
      { status: 201 },
    );
}

export function steps(body: Record<string, unknown>): Answer {
  return () => HttpResponse.json(body);
}

export function errorAnswer(status: number, reason = String(status)): Answer {
  return () =>
    status === 401 || status === 403
      ? HttpResponse.json({ code: status, message: reason }, { status })
      : HttpResponse.json({ kind: 'Error', id: status, href: '', code: String(status), reason }, { status });
}

export async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
