import type { Options } from 'yargs';
import { UsageError } from '../errors.js';
import { MAX_LLDP_WAIT_MS } from '../inventory/lldp/limits.js';
import type { LldpSettings } from '../inventory/lldp/session.js';
import type { ParsedArgs } from './options.js';

/** The LLDP flags of agent and next_step_runner; `inventory` adds --lldp-wait. */
export function lldpOptions(options: { wait: boolean }): Record<string, Options> {
  return {
    lldp: { type: 'boolean', default: true, describe: 'report LLDP neighbours per NIC (from lldpd, else the agent\'s own listener); --no-lldp turns it off' },
    'lldp-interfaces': { type: 'string', default: '', describe: 'comma-separated NICs to listen for LLDP on (default: every physical NIC that is up)' },
    'lldpd-socket': { type: 'string', default: '', describe: 'lldpd\'s control socket, for lldpcli -u (default: lldpcli\'s own)' },
    ...(options.wait
      ? { 'lldp-wait': { type: 'string' as const, default: '0', describe: 'when no lldpd answers, listen this long (35s, 2m) for every NIC\'s neighbour before reporting; 0: lldpd only' } }
      : {}),
  };
}

const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,14}$/;

export function lldpSettings(argv: ParsedArgs): LldpSettings {
  const interfaces = String(argv['lldp-interfaces'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of interfaces) {
    if (!IFNAME.test(name)) throw new UsageError(`--lldp-interfaces: ${JSON.stringify(name)} is not an interface name`);
  }
  const socket = String(argv['lldpd-socket'] ?? '');
  if (socket && (socket.startsWith('-') || socket.includes('\0'))) throw new UsageError(`--lldpd-socket ${JSON.stringify(socket)} is not a path`);
  return {
    enabled: argv.lldp !== false,
    interfaces,
    lldpdSocket: socket || undefined,
    waitMs: waitMilliseconds(String(argv['lldp-wait'] ?? '0')),
  };
}

/** `35s`, `2m`, `500ms` or plain seconds, at most MAX_LLDP_WAIT_MS. */
export function waitMilliseconds(text: string): number {
  const match = /^(\d{1,6})(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--lldp-wait ${JSON.stringify(text)} is not a duration (e.g. 35s, 2m)`);
  const unit = match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000;
  const ms = Number(match[1]) * unit;
  if (ms > MAX_LLDP_WAIT_MS) throw new UsageError(`--lldp-wait ${text}: at most ${MAX_LLDP_WAIT_MS / 60_000} minutes`);
  return ms;
}
