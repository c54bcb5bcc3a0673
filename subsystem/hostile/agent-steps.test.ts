/**
 * Instructions as a hostile service would hand them out (issue 9): more steps than any real answer,
 * more long-running steps than the agent runs at once, and arguments that are huge, of the wrong
 * type, or walk out of the paths a step may write to. Each is refused, with a reply where there is
 * a step to answer, before any probe, process or file is started; the agent polls on.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recordingPrograms } from '../../test/support/fake-podman.js';
import { sleep } from '../support/agent.js';
import { useFakeServiceHarness } from '../support/harness.js';
import { sendJson, stepsBody, WELL_BEHAVED } from '../support/fake-service.js';
import { jsonBody, summarize, testHostId, type JournalRequest } from '../support/wiremock.js';

function step(step_type: string, step_id: string, args: unknown[]): { step_type: string; step_id: string; args: unknown[] } {
  return { step_type, step_id, args };
}

function replyOf(replies: readonly JournalRequest[], stepId: string): Record<string, unknown> | undefined {
  return replies.map((r) => jsonBody(r)).find((body) => body.step_id === stepId);
}

describe('instructions the agent refuses', () => {
  const h = useFakeServiceHarness('hagt-stp');

  it('65 steps in one answer: the answer is refused with a log line, nothing runs, the next answer is served', async () => {
    const service = h.service;
    const flood = Array.from({ length: 65 }, (_, i) => step('execute', `flood-${i}`, ['true']));
    service.answer = (call, res) => {
      if (call.route !== 'next-steps') return WELL_BEHAVED(call, res);
      const instructions = call.index === 0 ? flood : [step('no-such-step', `after-${call.index}`, [])];
      return sendJson(res, 200, stepsBody({ instructions }));
    };
    const agent = h.agent({ extra: ['--dry-run', '--force-id', testHostId(41)] });
    const journal = await service.waitFor('a reply to the step after the flood', () => service.calls('step-reply').length >= 1, 20_000, () => `${summarize(service.journal)}\n${agent.describe()}`);
    const replies = service.calls('step-reply');
    expect(replies.map((r) => jsonBody(r).step_id).filter((id) => String(id).startsWith('flood-')), summarize(journal)).toEqual([]);
    expect(jsonBody(replies[0] as JournalRequest)).toMatchObject({ step_id: 'after-1', exit_code: -1 });
    expect(agent.stdout).toMatch(/get next steps: service answered 200 with a malformed body: steps\.instructions: 65 steps in one answer, more than the 64 the agent runs at once/);
    expect(agent.stdout).not.toMatch(/Running step flood-/);
    expect(agent.running, agent.describe()).toBe(true);
  });

  it('40 steps that hang: 32 run, 8 are answered "still running" at once, polling goes on', async () => {
    const service = h.service;
    // api-vip-connectivity-check fetches a URL: pointed at this service, which never answers it.
    const hang = `${service.url}/hang`;
    const hanging = Array.from({ length: 40 }, (_, i) => step('api-vip-connectivity-check', `hang-${i}`, [JSON.stringify({ url: `${hang}/${i}` })]));
    service.answer = (call, res) => {
      if (call.request.url.startsWith('/hang/')) return;
      if (call.route !== 'next-steps') return WELL_BEHAVED(call, res);
      return sendJson(res, 200, stepsBody({ instructions: call.index === 0 ? hanging : [] }));
    };
    const agent = h.agent({ extra: ['--dry-run', '--force-id', testHostId(42)] });
    const context = (): string => `${summarize(service.journal)}\n${agent.describe()}`;
    await service.waitFor('8 busy replies and 32 fetches', () => service.calls('step-reply').length >= 8 && service.journal.filter((r) => r.url.startsWith('/hang/')).length >= 32, 20_000, context);
    const pollsBefore = service.calls('next-steps').length;
    // Room for a 33rd fetch or a 9th reply to show up, and for polling to go on.
    await sleep(3_000);
    const fetches = service.journal.filter((r) => r.url.startsWith('/hang/'));
    expect(fetches, context()).toHaveLength(32);
    const replies = service.calls('step-reply').map((r) => jsonBody(r));
    expect(replies, context()).toHaveLength(8);
    for (const reply of replies) {
      expect(reply).toMatchObject({ step_type: 'api-vip-connectivity-check', exit_code: -1, error: 'the agent is still running 32 steps; api-vip-connectivity-check was not started' });
    }
    // The refused ones are the last eight of the answer; the running ones each fetched their own URL.
    expect(replies.map((r) => r.step_id).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `hang-${32 + i}`).sort());
    expect(new Set(fetches.map((r) => r.url)).size).toBe(32);
    expect(service.calls('next-steps').length).toBeGreaterThan(pollsBefore);
    // 32 steps waiting on the runner's stop signal at once are by design, not a leak to warn about.
    expect(agent.stderr).not.toMatch(/MaxListenersExceededWarning|possible EventTarget memory leak/i);
    expect(agent.running, agent.describe()).toBe(true);
  });

  it('huge, mistyped and path-walking arguments: each step is refused with a reply before any program starts; the agent polls on', async () => {
    const service = h.service;
    // fio and chroot are what disk_speed_check and reboot_for_reclaim would start; these record it.
    const programs = recordingPrograms(['fio', 'chroot', 'podman', 'nmap']);
    const passwd = (): string => createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex');
    const passwdBefore = passwd();
    const boot = { kernel_url: 'http://192.0.2.1/k', initrd_url: 'http://192.0.2.1/i', rootfs_url: 'http://192.0.2.1/r' };
    const manyHosts = Array.from({ length: 300 }, (_, i) => ({ host_id: testHostId(1000 + i), nics: [{ name: 'eth0', mac: '52:54:00:aa:00:02', ip_addresses: ['198.18.0.2'] }] }));
    const garbage: [ReturnType<typeof step>, RegExp][] = [
      [step('free-network-addresses', 'huge-arg', [`["${'1'.repeat(2 * 1024 * 1024)}"]`]), /argument is 2097156 bytes; at most 1048576 are accepted/],
      [step('free-network-addresses', 'whole-internet', ['["0.0.0.0/0"]']), /Requested network 0\.0\.0\.0\/0 is larger than \/16/],
      [step('free-network-addresses', 'object-not-list', ['{"cidr":1}']), /expected a JSON array of CIDR strings/],
      [step('connectivity-check', 'too-many-hosts', [JSON.stringify(manyHosts)]), /should have at most 256 items, got 300/],
      [step('domain-resolution', 'number-for-name', ['{"domains":[{"domain_name":12}]}']), /domain_name in body must be of type string/],
      [step('installation-disk-speed-check', 'regular-file', ['{"path":"/etc/passwd"}']), /refusing to write to \/etc\/passwd: it is a regular file, not a block device/],
      [step('installation-disk-speed-check', 'walk-out-of-dev', ['{"path":"/dev/../etc/passwd"}']), /refusing to write to \/dev\/\.\.\/etc\/passwd: it is a regular file \(\/etc\/passwd\), not a block device/],
      [step('installation-disk-speed-check', 'relative', ['{"path":"../../../../../../../etc/passwd"}']), /refusing to write to \.\.\/.*etc\/passwd/],
      [step('installation-disk-speed-check', 'bad-timeout', ['{"path":"/dev/null"}', 'NaN']), /failed to parse disk speed check timeout "NaN"/],
      [step('download-boot-artifacts', 'walk-out-of-mount', [JSON.stringify({ host_fs_mount_dir: '/host/../../etc', ...boot })]), /host_fs_mount_dir in body must be an absolute path without "\.\.", "\." or empty segments/],
      [step('reboot-for-reclaim', 'reboot-root', ['{"host_fs_mount_dir":"/../"}']), /host_fs_mount_dir in body must be an absolute path without/],
      [step('upgrade-agent', 'option-for-image', ['{"agent_image":"--privileged"}']), /agent_image in body must not start with "-": "--privileged"/],
      [step('container-image-availability', 'option-images', ['{"images":["-v=/:/host"],"timeout":960}']), /images\.0 in body should match/],
      [step('inventory', 'not-a-uuid', ['../../etc']), /host_id in body must be of type uuid/],
      [step('execute', 'shell', ['sh', '-c', 'reboot']), /refused by design/],
    ];
    service.answer = (call, res) => {
      if (call.route !== 'next-steps') return WELL_BEHAVED(call, res);
      return sendJson(res, 200, stepsBody({ instructions: call.index === 0 ? garbage.map(([s]) => s) : [] }));
    };
    // Not a dry run: the checks in front of fio and the file writes are the real ones.
    const agent = h.agent({}, { PATH: `${programs.dir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const context = (): string => `${summarize(service.journal)}\n${agent.describe()}`;
    await service.waitFor(`${garbage.length} replies`, () => service.calls('step-reply').length >= garbage.length, 30_000, context);
    const replies = service.calls('step-reply');
    for (const [{ step_id: id }, says] of garbage) {
      const reply = replyOf(replies, id);
      expect(reply, `${id}: ${context()}`).toBeDefined();
      expect(reply?.exit_code, `${id}: ${JSON.stringify(reply).slice(0, 500)}`).toBe(-1);
      expect(String(reply?.error), id).toMatch(says);
    }
    expect(programs.calls()).toEqual([]);
    expect(passwd()).toBe(passwdBefore);
    await service.waitFor('a poll after the replies', () => service.calls('next-steps').length >= 3, 10_000, context);
    expect(agent.running, agent.describe()).toBe(true);
  });

  it('arguments that are not strings: the whole answer is malformed, nothing runs, polling goes on', async () => {
    const service = h.service;
    service.answer = (call, res) => {
      if (call.route !== 'next-steps') return WELL_BEHAVED(call, res);
      const instructions = call.index === 0 ? [step('free-network-addresses', 'numbers', [1, { cidr: '198.18.0.0/24' }])] : [];
      return sendJson(res, 200, stepsBody({ instructions }));
    };
    const agent = h.agent({ extra: ['--dry-run', '--force-id', testHostId(44)] });
    await service.waitFor('a second poll', () => service.calls('next-steps').length >= 2, 15_000, () => `${summarize(service.journal)}\n${agent.describe()}`);
    expect(agent.stdout).toMatch(/steps\.instructions\[0\]\.args: expected an array of strings, got an array/);
    expect(service.calls('step-reply')).toEqual([]);
    expect(agent.running, agent.describe()).toBe(true);
  });
});
