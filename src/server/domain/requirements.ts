/**
 * The numbers the service judges hosts by. Hosts of an infra-env have no role yet, so the minimums
 * are upstream's "auto-assign" ones: the lower of the master and worker requirements
 * (HW_VALIDATOR_REQUIREMENTS defaults).
 */

export const MIN_CPU_CORES = 2;
export const MIN_RAM_MIB = 8192;
/** Firmware and the kernel keep some memory out of what hosts report; upstream forgives this much. */
export const RAM_TOLERANCE_MIB = 100;
/** /proc/meminfo's MemTotal excludes reserved memory, so its reading is scaled up before comparing. */
export const MEMINFO_ALLOWANCE = 0.02;
/** Decimal gigabytes, as disk vendors and upstream's disk_size_gb count them. */
export const MIN_DISK_SIZE_GB = 100;

/** HOST_MAX_DISCONNECTION_TIME: no instructions poll for longer than this means disconnected. */
export const DISCONNECTION_TIMEOUT_MS = 3 * 60_000;

/** How far the clocks may drift apart before installation would break certificates. */
export const MAX_SERVICE_AHEAD_MS = 20 * 60_000;
export const MAX_SERVICE_BEHIND_MS = 60 * 60_000;

/** Upstream's polling intervals: the default, and the backed-off one for hosts that went quiet. */
export const NEXT_INSTRUCTION_SECONDS = 60;
export const BACKED_OFF_INSTRUCTION_SECONDS = 120;

/** free-network-addresses scans with nmap; bigger networks than this would take too long. */
export const MIN_SCANNED_PREFIX = 22;

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
export const GB = 1_000_000_000;
