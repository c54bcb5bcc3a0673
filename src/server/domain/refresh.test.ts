import { describe, expect, it } from 'vitest';
import type { HostRecord, InfraEnvRecord } from '../model.js';
import { refreshHost } from './refresh.js';
import { applyStepReply } from './replies.js';
import { stepsFor } from './scheduler.js';
import { connectivityReportFor, fixtureInventory, fixtureInventoryText, makeHost, makeInfraEnv, NOW } from './test-support.js';

const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

/** A poll at `at`: what the route records before asking for steps. */
function poll(host: HostRecord, at: Date): HostRecord {
  return { ...host, checkedInAt: at.toISOString(), timestamp: Math.floor(at.getTime() / 1000) };
}

function reply(host: HostRecord, type: string, output: string, at: Date): HostRecord {
  return applyStepReply(host, { step_type: type, step_id: `${type}-00000001`, exit_code: 0, output }, at);
}

describe('refreshHost', () => {
  it('moves a host from discovering to known once its inventory arrives', () => {
    const infraEnv = makeInfraEnv();
    const registered = makeHost();
    const first = refreshHost(registered, infraEnv, [], NOW);
    expect(first.host.status).toBe('discovering');
    expect(first.changed).toBe(false);

    const withInventory = reply(first.host, 'inventory', fixtureInventoryText('vm-virtio'), later(5));
    const second = refreshHost(withInventory, infraEnv, [], later(5));
    expect(second).toMatchObject({ changed: true, updated: true, previousStatus: 'discovering' });
    expect(second.host).toMatchObject({ status: 'known', statusInfo: 'Host is ready to be installed', statusUpdatedAt: later(5).toISOString() });
    expect(second.host.validationsInfo?.hardware.find((v) => v.id === 'has-min-valid-disks')?.status).toBe('success');
  });

  it('reports no change, and returns the same record, when nothing changed', () => {
    const infraEnv = makeInfraEnv();
    const known = refreshHost(makeHost({ inventory: fixtureInventory('vm-virtio') }), infraEnv, [], NOW).host;
    const again = refreshHost(known, infraEnv, [], later(8));
    expect(again).toEqual({ host: known, changed: false, updated: false, previousStatus: 'known' });
    expect(again.host).toBe(known);
  });

  it('updates validations and status_info without calling it a status change', () => {
    const infraEnv = makeInfraEnv();
    const cpu1 = fixtureInventory('vm-virtio');
    cpu1.cpu.count = 1;
    const insufficient = refreshHost(makeHost({ inventory: cpu1 }), infraEnv, [], NOW).host;
    expect(insufficient.status).toBe('insufficient');
    const alsoLocalhost = { ...cpu1, hostname: 'localhost' };
    const result = refreshHost({ ...insufficient, inventory: JSON.stringify(alsoLocalhost) }, infraEnv, [], later(8));
    expect(result).toMatchObject({ changed: false, updated: true, previousStatus: 'insufficient' });
    expect(result.host.statusInfo).toContain('Hostname localhost is forbidden');
    expect(result.host.statusUpdatedAt).toBe(insufficient.statusUpdatedAt);
  });

  it('disconnects a silent host after 3 minutes and brings it back when it polls', () => {
    const infraEnv = makeInfraEnv();
    const known = refreshHost(makeHost({ inventory: fixtureInventory('vm-virtio') }), infraEnv, [], NOW).host;
    expect(refreshHost(known, infraEnv, [], later(170)).host.status).toBe('known');

    const silent = refreshHost(known, infraEnv, [], later(191));
    expect(silent).toMatchObject({ changed: true, previousStatus: 'known' });
    expect(silent.host).toMatchObject({
      status: 'disconnected',
      statusInfo: 'Host has stopped communicating with the installation service',
      statusUpdatedAt: later(191).toISOString(),
    });
    expect(stepsFor({ host: silent.host, infraEnv, others: [], newStepId: (t) => `${t}-1` }).next_instruction_seconds).toBe(120);

    const back = refreshHost(poll(silent.host, later(400)), infraEnv, [], later(400));
    expect(back).toMatchObject({ changed: true, previousStatus: 'disconnected' });
    expect(back.host).toMatchObject({ status: 'known', statusUpdatedAt: later(400).toISOString() });
  });

  it('keeps a host whose media went away disconnected until a step succeeds', () => {
    const infraEnv = makeInfraEnv();
    const known = refreshHost(makeHost({ inventory: fixtureInventory('vm-virtio') }), infraEnv, [], NOW).host;
    const gone = applyStepReply(known, { step_type: 'inventory', step_id: 'inventory-1', exit_code: 256, error: 'media' }, later(10));
    const stillGone = refreshHost(poll(gone, later(20)), infraEnv, [], later(20));
    expect(stillGone.host.status).toBe('disconnected');
    expect(stillGone.host.statusInfo).toMatch(/discovery media/);
    const recovered = reply(stillGone.host, 'inventory', fixtureInventoryText('vm-virtio'), later(80));
    expect(refreshHost(recovered, infraEnv, [], later(80)).host.status).toBe('known');
  });

  it('holds a host in insufficient while NTP is pending, then lets it be known', () => {
    const infraEnv = makeInfraEnv({ ntpSources: 'ntp1.example.com' });
    const pending = refreshHost(makeHost({ inventory: fixtureInventory('vm-virtio') }), infraEnv, [], NOW).host;
    expect(pending).toMatchObject({ status: 'insufficient', statusInfo: 'Host cannot be installed due to following failing validation(s): Missing NTP synchronization report' });
    const synced = reply(pending, 'ntp-synchronizer', '{"ntp_sources":[{"source_name":"ntp1.example.com","source_state":"synced"}]}', later(60));
    expect(refreshHost(synced, infraEnv, [], later(60)).host.status).toBe('known');
  });

  it('discovers a second and a third host, each checking the others', () => {
    const infraEnv: InfraEnvRecord = makeInfraEnv();
    const vmB = fixtureInventory('vm-virtio');
    vmB.hostname = 'vm-worker-3.novalocal';
    vmB.interfaces[1].ipv4_addresses = ['10.0.0.16/24'];
    vmB.interfaces[1].mac_address = 'fa:16:3e:4b:2c:12';

    const a = refreshHost(makeHost({ inventory: fixtureInventory('vm-virtio') }), infraEnv, [], NOW).host;
    expect(a.status).toBe('known');

    let b = makeHost();
    b = refreshHost(reply(b, 'inventory', JSON.stringify(vmB), later(5)), infraEnv, [a], later(5)).host;
    expect(b.status).toBe('insufficient');
    expect(b.statusInfo).toContain('Missing connectivity report for the other hosts');

    const steps = stepsFor({ host: b, infraEnv, others: [a], newStepId: (t) => `${t}-1` });
    const check = steps.instructions.find((s) => s.step_type === 'connectivity-check');
    expect(JSON.parse(check!.args[0]!)).toEqual([{ host_id: a.id, nics: [{ name: 'eth0', mac: 'fa:16:3e:4b:2c:11', ip_addresses: ['10.0.0.15'] }] }]);

    // a was alone, so it has no report at all: pending until its next check covers b.
    const aWaits = refreshHost(poll(a, later(10)), infraEnv, [b], later(10)).host;
    expect(aWaits.statusInfo).toBe('Host cannot be installed due to following failing validation(s): Missing connectivity report for the other hosts');
    const aChecked = reply(aWaits, 'connectivity-check', connectivityReportFor([{ id: b.id, ip: '10.0.0.16', ok: true }]), later(60));
    expect(refreshHost(poll(aChecked, later(60)), infraEnv, [b], later(60)).host.status).toBe('known');

    // Once a has a report, a newcomer it has not checked yet does not hold it back.
    const c = makeHost({ status: 'insufficient', inventory: { ...vmB, hostname: 'c', interfaces: [vmB.interfaces[0], { ...vmB.interfaces[1], ipv4_addresses: ['10.0.0.17/24'] }] } });
    expect(refreshHost(poll(aChecked, later(70)), infraEnv, [b, c], later(70)).host.status).toBe('known');

    const report = connectivityReportFor([{ id: a.id, ip: '10.0.0.15', mac: 'fa:16:3e:4b:2c:11', ok: true }]);
    const checked = refreshHost(poll(reply(b, 'connectivity-check', report, later(65)), later(65)), infraEnv, [a], later(65));
    expect(checked.host.status).toBe('known');

    const lost = connectivityReportFor([{ id: a.id, ip: '10.0.0.15', ok: false }]);
    const cut = refreshHost(reply(checked.host, 'connectivity-check', lost, later(125)), infraEnv, [a], later(125)).host;
    expect(cut).toMatchObject({ status: 'insufficient', statusInfo: `Host cannot be installed due to following failing validation(s): No connectivity to 1 of 1 other hosts: ${a.id}` });
  });

  it('flags a duplicate hostname once a second host reports the same name', () => {
    const infraEnv = makeInfraEnv();
    const a = refreshHost(makeHost({ inventory: fixtureInventory('vm-virtio') }), infraEnv, [], NOW).host;
    const b = makeHost({ status: 'insufficient', inventory: fixtureInventory('vm-virtio') });
    const result = refreshHost(a, infraEnv, [b], later(8));
    expect(result.host.status).toBe('insufficient');
    expect(result.host.statusInfo).toBe(
      `Host cannot be installed due to following failing validation(s): Hostname vm-worker-2.novalocal is not unique in the infra-env: also used by ${b.id}`,
    );
  });
});
