/**
 * Short-lived macvlan interfaces that give the VIP MACs a presence on the wire, so a DHCP server
 * sees requests from those MACs. Private mode: the macvlans must not talk to each other or the
 * parent through the shortcut the kernel would otherwise provide.
 */
import type { CommandRunner } from '../host/command-runner.js';

const IP_TIMEOUT_MS = 10_000;
// IFNAMSIZ − 1: the kernel refuses longer names with ERANGE, which upstream reports verbatim.
const MAX_IFNAME_LENGTH = 15;

export class MacvlanError extends Error {}

function ipError(result: { stderr: string; stdout: string; exitCode: number }): string {
  return (result.stderr || result.stdout).trim() || `ip exited with code ${result.exitCode}`;
}

/** Creates the macvlan (or reuses one of that name, as upstream does) and brings it up. */
export async function ensureMacvlan(run: CommandRunner, name: string, parent: string, mac: string): Promise<void> {
  if (parent.length > MAX_IFNAME_LENGTH) throw new MacvlanError('numerical result out of range');
  const shown = await run('ip', ['link', 'show', 'dev', name], { timeoutMs: IP_TIMEOUT_MS });
  if (shown.exitCode !== 0) {
    const added = await run('ip', ['link', 'add', name, 'link', parent, 'address', mac, 'type', 'macvlan', 'mode', 'private'], { timeoutMs: IP_TIMEOUT_MS });
    if (added.exitCode !== 0) throw new MacvlanError(ipError(added));
  }
  const up = await run('ip', ['link', 'set', 'dev', name, 'up'], { timeoutMs: IP_TIMEOUT_MS });
  if (up.exitCode !== 0) throw new MacvlanError(ipError(up));
}

/** Deletes the macvlan; failures are returned, not thrown, since this runs on every way out. */
export async function deleteMacvlan(run: CommandRunner, name: string): Promise<string | undefined> {
  const result = await run('ip', ['link', 'del', 'dev', name], { timeoutMs: IP_TIMEOUT_MS });
  return result.exitCode === 0 ? undefined : ipError(result);
}
