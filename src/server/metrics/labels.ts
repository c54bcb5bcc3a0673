/**
 * Label values for the service's metrics, each from a fixed or capped set. Every label value is a
 * time series in the scraper's database; values that agents choose (step types, exit codes) or
 * that grow with use (infra-envs, routes) must not be able to grow it without bound.
 */
import { STEP_TYPES } from '../../protocol/step-types.js';

/** What any value outside a label's set is reported as. */
export const OTHER = 'other';

/**
 * Infra-envs labelled by ID; beyond this many at once, further ones are summed as "other". A site
 * has a few per rack; 100 × (4 statuses + 3 counters) series is cheap for any Prometheus.
 */
export const MAX_LABELLED_INFRA_ENVS = 100;

const KNOWN_STEP_TYPES: ReadonlySet<string> = new Set(STEP_TYPES);

/** The swagger's step-type enum (the schema refuses anything else, but an empty or absent one passes). */
export function stepTypeLabel(stepType: string | undefined): string {
  return stepType !== undefined && KNOWN_STEP_TYPES.has(stepType) ? stepType : OTHER;
}

/**
 * Exit codes that mean something of their own: success, a step's failure, -1 (upstream's "could
 * not run"), the shell's and timeout(1)'s codes, killed by SIGKILL/SIGTERM, 255 (-1 through a
 * process), 256 (upstream's "discovery media gone").
 */
export const EXIT_CODE_LABELS: readonly number[] = [0, 1, 2, -1, 124, 125, 126, 127, 137, 143, 255, 256];
const KNOWN_EXIT_CODES: ReadonlySet<number> = new Set(EXIT_CODE_LABELS);

export function exitCodeLabel(exitCode: number | undefined): string {
  const code = exitCode ?? 0;
  return KNOWN_EXIT_CODES.has(code) ? String(code) : OTHER;
}

const HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

export function methodLabel(method: string): string {
  return HTTP_METHODS.has(method) ? method : OTHER;
}

/** Requests no route matched (scanners, typos) share one route label instead of one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route's pattern as registered (`/api/…/:infra_env_id/hosts`), never the URL a client sent. */
export function routeLabel(routePattern: string | undefined): string {
  return routePattern === undefined || routePattern === '' ? UNMATCHED_ROUTE : routePattern;
}

export function statusClassLabel(statusCode: number): string {
  return statusCode >= 100 && statusCode < 600 ? `${Math.floor(statusCode / 100)}xx` : OTHER;
}

/**
 * Infra-env IDs as label values, for at most `cap` infra-envs at a time. A slot is kept while the
 * infra-env exists, so its counters stay one series; deleting it frees the slot (and its series go
 * with it, see ServiceMetrics).
 */
export class InfraEnvLabels {
  private readonly labelled = new Set<string>();

  constructor(private readonly cap: number = MAX_LABELLED_INFRA_ENVS) {}

  label(infraEnvId: string): string {
    if (this.labelled.has(infraEnvId)) return infraEnvId;
    if (this.labelled.size >= this.cap) return OTHER;
    this.labelled.add(infraEnvId);
    return infraEnvId;
  }

  /** Whether the infra-env had a label of its own (and so series to remove). */
  forget(infraEnvId: string): boolean {
    return this.labelled.delete(infraEnvId);
  }
}
