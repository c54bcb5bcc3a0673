import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HostStatus, InfraEnvRecord } from '../model.js';
import type { ServiceObserver } from '../discovery-service.js';
import type { Store } from '../store/store.js';
import { exitCodeLabel, InfraEnvLabels, methodLabel, OTHER, routeLabel, statusClassLabel, stepTypeLabel } from './labels.js';
import { timedStore, type StoreOperation } from './timed-store.js';

export const HOST_STATUSES: readonly HostStatus[] = ['discovering', 'known', 'insufficient', 'disconnected'];

/** What the hosts gauge is computed from at scrape time: the service's in-memory state, no store query. */
export interface HostCountSource {
  listInfraEnvs(): InfraEnvRecord[];
  /** Hosts per infra-env ID and status. */
  hostCounts(): Map<string, Map<HostStatus, number>>;
}

/** Request latencies run from sub-millisecond polls to hour-long log uploads. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** A store call is a cached read (µs) or a write waiting for its group commit's fsync (ms). */
const STORE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export interface ServiceMetricsOptions {
  /** Node's process metrics (CPU, memory, event-loop lag, GC): on in `inband serve`, off in tests that build many apps. */
  processMetrics?: boolean;
  infraEnvLabels?: InfraEnvLabels;
  /**
   * Scrapes within this long of a rendering get the same text (default 1 s): a scrape costs
   * O(hosts + series), and with --metrics-public anyone may ask; Prometheus scrapes every 15 s or so.
   */
  renderIntervalMs?: number;
}

/**
 * The service's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * apps built side by side in tests do not share counters). Counters move as the service works
 * (it calls the ServiceObserver methods), the hosts gauge is computed when scraped.
 */
export class ServiceMetrics implements ServiceObserver {
  readonly registry = new Registry();
  private readonly infraEnvs: InfraEnvLabels;
  private source: HostCountSource | undefined;
  private readonly renderIntervalMs: number;
  private rendered: { atMs: number; text: Promise<string> } | undefined;

  private readonly registrations = new Counter({
    name: 'inband_host_registrations_total',
    help: 'Host registrations accepted, by infra-env and whether the host was new.',
    labelNames: ['infra_env', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly polls = new Counter({
    name: 'inband_host_polls_total',
    help: 'Next-step polls answered, by infra-env.',
    labelNames: ['infra_env'] as const,
    registers: [this.registry],
  });

  private readonly stepReplies = new Counter({
    name: 'inband_step_replies_total',
    help: 'Step replies accepted, by step type and exit code (codes outside a fixed set are "other").',
    labelNames: ['step_type', 'exit_code'] as const,
    registers: [this.registry],
  });

  private readonly logBytes = new Counter({
    name: 'inband_logs_received_bytes_total',
    help: 'Bytes of host log archives received and kept.',
    registers: [this.registry],
  });

  private readonly logUploads = new Counter({
    name: 'inband_logs_uploads_total',
    help: 'Host log archives received and kept.',
    registers: [this.registry],
  });

  private readonly requests = new Histogram({
    name: 'inband_http_request_duration_seconds',
    help: 'HTTP request latency, by route pattern, method and status class.',
    labelNames: ['route', 'method', 'status_class'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  private readonly storeCalls = new Histogram({
    name: 'inband_store_operation_duration_seconds',
    help: 'Store call latency, by operation (the Store method) and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });

  constructor(options: ServiceMetricsOptions = {}) {
    this.infraEnvs = options.infraEnvLabels ?? new InfraEnvLabels();
    this.renderIntervalMs = options.renderIntervalMs ?? 1_000;
    const metrics = this;
    new Gauge({
      name: 'inband_hosts',
      help: 'Hosts by infra-env and status, as the service holds them now.',
      labelNames: ['infra_env', 'status'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [infraEnv, counts] of metrics.hostsByLabel()) for (const status of HOST_STATUSES) this.set({ infra_env: infraEnv, status }, counts.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'inband_infra_env_info',
      help: 'The name of each labelled infra-env (always 1), to join with infra_env IDs.',
      labelNames: ['infra_env', 'name'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const infraEnv of metrics.source?.listInfraEnvs() ?? []) {
          const label = metrics.infraEnvs.label(infraEnv.id);
          if (label !== OTHER) this.set({ infra_env: label, name: infraEnv.name }, 1);
        }
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the hosts gauge reads from; the service, once it exists. */
  countHostsFrom(source: HostCountSource): void {
    this.source = source;
  }

  /** The store with every call timed into inband_store_operation_duration_seconds. */
  timeStore(store: Store): Store {
    return timedStore(store, (operation: StoreOperation, seconds, failed) => this.storeCalls.observe({ operation, outcome: failed ? 'error' : 'ok' }, seconds));
  }

  request(routePattern: string | undefined, method: string, statusCode: number, seconds: number): void {
    this.requests.observe({ route: routeLabel(routePattern), method: methodLabel(method), status_class: statusClassLabel(statusCode) }, seconds);
  }

  /** The text a scrape answers, and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    const nowMs = performance.now();
    if (!this.rendered || nowMs - this.rendered.atMs >= this.renderIntervalMs) {
      const text = this.registry.metrics();
      this.rendered = { atMs: nowMs, text };
      // A failed rendering is not kept for the next scrape.
      text.catch(() => {
        if (this.rendered?.text === text) this.rendered = undefined;
      });
    }
    return { contentType: this.registry.contentType, text: await this.rendered.text };
  }

  // ---- ServiceObserver

  hostRegistered(infraEnvId: string, isNew: boolean): void {
    this.registrations.inc({ infra_env: this.infraEnvs.label(infraEnvId), kind: isNew ? 'new' : 're-registration' });
  }

  hostPolled(infraEnvId: string): void {
    this.polls.inc({ infra_env: this.infraEnvs.label(infraEnvId) });
  }

  stepReplied(stepType: string | undefined, exitCode: number | undefined): void {
    this.stepReplies.inc({ step_type: stepTypeLabel(stepType), exit_code: exitCodeLabel(exitCode) });
  }

  logsReceived(bytes: number): void {
    this.logUploads.inc();
    this.logBytes.inc(bytes);
  }

  /** Its series go with it, and its label slot is free for another infra-env. */
  infraEnvDeleted(infraEnvId: string): void {
    if (!this.infraEnvs.forget(infraEnvId)) return;
    this.polls.remove({ infra_env: infraEnvId });
    for (const kind of ['new', 're-registration']) this.registrations.remove({ infra_env: infraEnvId, kind });
  }

  // ---- internals

  /** Host counts keyed by label: infra-envs beyond the label cap are summed into "other". O(hosts). */
  private hostsByLabel(): Map<string, Map<HostStatus, number>> {
    const byLabel = new Map<string, Map<HostStatus, number>>();
    if (!this.source) return byLabel;
    const counts = this.source.hostCounts();
    for (const infraEnv of this.source.listInfraEnvs()) {
      const label = this.infraEnvs.label(infraEnv.id);
      let sums = byLabel.get(label);
      if (!sums) byLabel.set(label, (sums = new Map()));
      for (const [status, n] of counts.get(infraEnv.id) ?? []) sums.set(status, (sums.get(status) ?? 0) + n);
    }
    return byLabel;
  }
}
