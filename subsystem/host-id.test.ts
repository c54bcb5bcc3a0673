/**
 * The host ID the agent registers with, from a fake DMI tree (--host-root), by upstream's rules;
 * the board serial vector is the one from upstream's subsystem dmi fixture (Lenovo T490s).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeHostRoot } from './support/agent.js';
import { expectValidRegistration } from './support/contract.js';
import { useHarness } from './support/harness.js';
import { jsonBody, nextStepsStub, registerStub, registrations, testHostId, type JournalRequest } from './support/wiremock.js';

describe('Host ID', () => {
  const h = useHarness();
  const roots: { cleanup: () => void }[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) root.cleanup();
  });

  function hostRoot(options: Parameters<typeof makeHostRoot>[0]): string {
    const root = makeHostRoot(options);
    roots.push(root);
    return root.dir;
  }

  async function registeredHostId(hostRootDir: string, extra: string[] = []): Promise<unknown> {
    const wm = h.wiremock;
    const serviceId = testHostId(40);
    await wm.stub(registerStub(serviceId));
    await wm.stub(nextStepsStub(serviceId, { next_instruction_seconds: 100 }));
    h.agent({ hostRoot: hostRootDir, extra });
    const journal = await wm.waitFor('the registration', (j) => registrations(j).length >= 1);
    const register = registrations(journal)[0] as JournalRequest;
    expectValidRegistration(register);
    return jsonBody(register).host_id;
  }

  it('a known board serial gives md5(serial) as a UUID', async () => {
    const dir = hostRoot({ boardSerial: 'L1HF02A02SD', productUuid: '0b825dcc-3064-11b2-a85c-968ec80b7fcf' });
    expect(await registeredHostId(dir)).toBe('d3d368a5-914d-a95a-3644-9dfb4eb0903b');
  });

  it('a placeholder serial falls back to the product UUID, lower-cased', async () => {
    const dir = hostRoot({ boardSerial: 'Default string', productUuid: '0B825DCC-3064-11B2-A85C-968EC80B7FCF' });
    expect(await registeredHostId(dir)).toBe('0b825dcc-3064-11b2-a85c-968ec80b7fcf');
  });

  it('--dry-run --force-id registers the forced ID instead of the hardware one', async () => {
    const forced = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const dir = hostRoot({ boardSerial: 'L1HF02A02SD' });
    expect(await registeredHostId(dir, ['--dry-run', '--force-id', forced])).toBe(forced);
  });
});
