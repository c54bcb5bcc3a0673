/**
 * ISC dhclient as the VIP lease step drives it: the command line, and reading back the lease it
 * wrote. Lease files are dhclient's own text format; only the last `lease { … }` block matters,
 * because dhclient appends each new lease and the service stores that block to renew it later.
 */

// The last block must end the file (only whitespace after it): anything else means the file was
// cut short or is not a lease file, and an older block must not be mistaken for the current one.
const LAST_LEASE_RE = /(?:^|\s)(lease\s*[{][^}{]*[}])\s*$/;
const FIXED_ADDRESS_RE = /fixed-address\s+([^\s;]+)\s*;/g;
const INTERFACE_RE = /interface\s+"[^"]*"\s*;/g;

/** The last `lease { … }` block of a lease file's text, or undefined when the text does not end with one. */
export function extractLastLease(text: string): string | undefined {
  return LAST_LEASE_RE.exec(text)?.[1];
}

/** The address a lease block grants (its last `fixed-address`), or undefined. */
export function leaseAddress(lease: string): string | undefined {
  return [...lease.matchAll(FIXED_ADDRESS_RE)].at(-1)?.[1];
}

/** Lease text re-bound to another interface: a stored lease names the macvlan of the run that got it. */
export function rebindLease(lease: string, ifname: string): string {
  return lease.replace(INTERFACE_RE, `interface "${ifname}";`);
}

export interface DhclientPlan {
  ifname: string;
  mac: string;
  leaseFile: string;
  pidFile: string;
}

/** The DHCP host name upstream sends: the MAC with dashes, then the interface name. */
export function dhcpHostName(mac: string, ifname: string): string {
  return `${mac.replace(/:/g, '-')}-${ifname}`;
}

/**
 * Upstream's command line, with one change: a pid file instead of --no-pid. dhclient forks into the
 * background once bound and keeps renewing; without the pid the daemon outlives the macvlan it
 * was started on, so the step could never stop it.
 */
export function dhclientArgs(plan: DhclientPlan): string[] {
  return ['-v', '-H', dhcpHostName(plan.mac, plan.ifname), '-sf', '/bin/true', '-lf', plan.leaseFile, '-pf', plan.pidFile, '-1', plan.ifname];
}

/**
 * The same request for a dhclient without Red Hat's -H option (Debian's): the host name goes into
 * a config file, which sends the same DHCP option 12.
 */
export function dhclientArgsWithConfig(plan: DhclientPlan, configFile: string): string[] {
  return ['-v', '-cf', configFile, '-sf', '/bin/true', '-lf', plan.leaseFile, '-pf', plan.pidFile, '-1', plan.ifname];
}

export function dhclientConfig(plan: DhclientPlan): string {
  return `send host-name "${dhcpHostName(plan.mac, plan.ifname)}";\n`;
}

/** Whether dhclient refused -H as an unknown option. */
export function lacksHostNameOption(output: string): boolean {
  return /Unknown command: -H\b/.test(output);
}
