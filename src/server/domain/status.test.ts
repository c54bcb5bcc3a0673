import { describe, expect, it } from 'vitest';
import type { HostRecord, Validation, ValidationsInfo } from '../model.js';
import { hostStatus, STATUS_INFO } from './status.js';
import { fixtureInventory, makeHost, makeInfraEnv, NOW, secondsBefore } from './test-support.js';
import { validateHost } from './validations.js';

function statusOf(host: HostRecord, now = NOW) {
  const validations = validateHost({ host, infraEnv: makeInfraEnv(), others: [], now });
  return hostStatus({ host, validations, now });
}

function vm(change: (inventory: Record<string, any>) => void = () => {}): Record<string, any> {
  const inventory = fixtureInventory('vm-virtio');
  change(inventory);
  return inventory;
}

/** Validations of a host that passes everything, with some replaced. */
function passing(...replaced: Validation[]): ValidationsInfo {
  const info = validateHost({ host: makeHost({ inventory: vm() }), infraEnv: makeInfraEnv(), others: [], now: NOW });
  const swap = (list: Validation[]) => list.map((v) => replaced.find((r) => r.id === v.id) ?? v);
  return { hardware: swap(info.hardware), network: swap(info.network) };
}

describe('hostStatus', () => {
  it('is known when every validation passes', () => {
    expect(statusOf(makeHost({ inventory: vm() }))).toEqual({ status: 'known', statusInfo: 'Host is ready to be installed' });
  });

  it('is discovering while connected without an inventory', () => {
    expect(statusOf(makeHost())).toEqual({ status: 'discovering', statusInfo: 'Waiting for host to send hardware details' });
  });

  it('is discovering with a fully truncated inventory', () => {
    expect(statusOf(makeHost({ inventory: { hostname: 'h', truncation: { type: 'full' } } })).status).toBe('discovering');
  });

  it('is disconnected after 3 minutes without a poll, inventory or not', () => {
    const expected = { status: 'disconnected', statusInfo: 'Host has stopped communicating with the installation service' };
    expect(statusOf(makeHost({ inventory: vm(), checkedInAt: secondsBefore(181) }))).toEqual(expected);
    expect(statusOf(makeHost({ checkedInAt: secondsBefore(3600) }))).toEqual(expected);
    expect(statusOf(makeHost({ inventory: vm(), checkedInAt: secondsBefore(179) })).status).toBe('known');
  });

  it('is disconnected while the discovery media is gone, even though the host polls', () => {
    expect(statusOf(makeHost({ inventory: vm(), mediaStatus: 'disconnected' }))).toEqual({ status: 'disconnected', statusInfo: STATUS_INFO.mediaDisconnected });
    expect(statusOf(makeHost({ inventory: vm(), mediaStatus: 'disconnected', checkedInAt: secondsBefore(600) })).statusInfo).toBe(STATUS_INFO.disconnected);
  });

  it('checks contact against `now`, even with stale validations', () => {
    const host = makeHost({ inventory: vm(), checkedInAt: secondsBefore(60) });
    const validations = validateHost({ host, infraEnv: makeInfraEnv(), others: [], now: NOW });
    expect(hostStatus({ host, validations, now: new Date(NOW.getTime() + 5 * 60_000) }).status).toBe('disconnected');
  });

  it('reports missing minimum hardware first, listing the hardware failures sorted', () => {
    const host = makeHost({ inventory: vm((i) => { i.cpu.count = 1; i.memory.physical_bytes = 4 * 1024 ** 3; i.hostname = 'localhost'; }) });
    expect(statusOf(host)).toEqual({
      status: 'insufficient',
      statusInfo:
        'Host does not meet the minimum hardware requirements: Hostname localhost is forbidden: it is the default of every fresh installation ; ' +
        'Insufficient CPU cores: 1 (required: 2) ; Insufficient RAM: 4.00 GiB (required: 8.00 GiB)',
    });
  });

  it('lists any other failing validation, sorted, once the hardware is enough', () => {
    const host = makeHost({ inventory: vm((i) => { i.hostname = 'localhost'; i.routes = []; }) });
    expect(statusOf(host)).toEqual({
      status: 'insufficient',
      statusInfo:
        'Host cannot be installed due to following failing validation(s): Hostname localhost is forbidden: it is the default of every fresh installation ; The host has no default route',
    });
  });

  it('holds a host back on pending validations, naming them when nothing failed', () => {
    const pending: Validation = { id: 'ntp-synced', status: 'pending', message: 'Missing NTP synchronization report' };
    expect(hostStatus({ host: makeHost({ inventory: vm() }), validations: passing(pending), now: NOW })).toEqual({
      status: 'insufficient',
      statusInfo: 'Host cannot be installed due to following failing validation(s): Missing NTP synchronization report',
    });
    const failed: Validation = { id: 'has-default-route', status: 'failure', message: 'The host has no default route' };
    expect(hostStatus({ host: makeHost({ inventory: vm() }), validations: passing(pending, failed), now: NOW }).statusInfo).toBe(
      'Host cannot be installed due to following failing validation(s): The host has no default route',
    );
  });

  it('lets disabled validations pass and treats error like failure', () => {
    const disabled: Validation = { id: 'ntp-synced', status: 'disabled', message: 'off' };
    expect(hostStatus({ host: makeHost({ inventory: vm() }), validations: passing(disabled), now: NOW }).status).toBe('known');
    const error: Validation = { id: 'has-min-memory', status: 'error', message: 'could not read memory' };
    expect(hostStatus({ host: makeHost({ inventory: vm() }), validations: passing(error), now: NOW })).toEqual({
      status: 'insufficient',
      statusInfo: 'Host does not meet the minimum hardware requirements: could not read memory',
    });
  });

  it('counts operator validations too', () => {
    const info: ValidationsInfo = { ...passing(), operators: [{ id: 'lso-requirements-satisfied', status: 'failure', message: 'LSO needs a disk' }] };
    expect(hostStatus({ host: makeHost({ inventory: vm() }), validations: info, now: NOW }).status).toBe('insufficient');
  });
});
