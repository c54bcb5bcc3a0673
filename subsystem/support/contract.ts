/** Wire-compatibility checks of what the agent sent, against the upstream swagger in spec/. */
import { expect } from 'vitest';
import { swaggerErrors } from '../../test/support/swagger.js';
import { header, jsonBody, type JournalRequest } from './wiremock.js';

export function expectValidRegistration(request: JournalRequest): void {
  const body = jsonBody(request);
  expect(swaggerErrors('host-create-params', body), `register body ${request.body}`).toEqual([]);
}

/**
 * A reply to a step type the service never sends (the "step not exists" scenario) echoes that
 * type, which the swagger's enum cannot accept; every other field must still be valid.
 */
export function expectValidStepReply(request: JournalRequest): void {
  const body = jsonBody(request);
  const knownType = swaggerErrors('step-type', body.step_type).length === 0;
  const checked = knownType ? body : Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'step_type'));
  expect(swaggerErrors('step-reply', checked), `step reply body ${request.body}`).toEqual([]);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export { UUID_RE };

/** Upstream's session headers, on every call the agent makes. */
export function expectSessionHeaders(request: JournalRequest, agentVersion: string, token: string): void {
  const where = `${request.method} ${request.url}`;
  expect(header(request, 'Accept'), where).toBe('application/json');
  expect(header(request, 'X-Request-ID'), where).toMatch(UUID_RE);
  expect(header(request, 'X-Secret-Key'), where).toBe(token);
  expect(header(request, 'discovery_agent_version'), where).toBe(agentVersion);
  if (request.method === 'POST') {
    expect(header(request, 'Content-Type'), where).toMatch(/^application\/json\b/);
  }
}

/**
 * The invariants of every request in every scenario: upstream's session headers, and register and
 * reply bodies that the service's swagger accepts. Run on each test's whole journal.
 */
export function expectWireContract(journal: readonly JournalRequest[], token: string): void {
  for (const request of journal) {
    const where = `${request.method} ${request.url}`;
    expect(header(request, 'Accept'), where).toBe('application/json');
    expect(header(request, 'X-Request-ID'), where).toMatch(UUID_RE);
    expect(header(request, 'X-Secret-Key'), where).toBe(token);
    expect(header(request, 'discovery_agent_version'), where).toMatch(/\S/);
    if (request.method === 'POST' && request.url.endsWith('/hosts')) expectValidRegistration(request);
    if (request.method === 'POST' && request.url.endsWith('/instructions')) expectValidStepReply(request);
  }
}
