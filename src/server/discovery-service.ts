import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_REF_RE } from '../protocol/formats.js';
import type { NextStepCmdRequest, StepReply, Steps } from '../protocol/models.js';
import { applyDecodedReply, type DecodedReply, decodeStepReplyYielding, ReplyFormatError, YIELDING_OUTPUT_CHARS } from './domain/replies.js';
import { refreshHost } from './domain/refresh.js';
import { sameValidations } from './domain/validations.js';
import { stepsFor } from './domain/scheduler.js';
import { ConnectivityThrottle } from './domain/connectivity-throttle.js';
import { NEXT_INSTRUCTION_SECONDS } from './domain/requirements.js';
import { peerSummary } from './domain/peers.js';
import { hostnameOf } from './domain/stored.js';
import { HttpError, notFound } from './errors.js';
import { AgentTokenIndex } from './agent-tokens.js';
import { HostCache } from './host-cache.js';
import { KeyedLock } from './keyed-lock.js';
import type { EventFilter, EventRecord, EventSeverity, HostRecord, HostStatus, InfraEnvRecord, InfraEnvTokens, LogsRecord, LogsState, StepResultRecord } from './model.js';
import { newSecretToken } from './tokens.js';
import type { HostUpdate, Store } from './store/store.js';
import type { Change, ChangeFeed, ChangeOrigin } from './live/change-feed.js';
import type { Coordination } from './replicas/coordination.js';
import { SoloCoordination } from './replicas/solo.js';

/** What `next_step_runner_command` names when the registering agent did not say which image it is. */
export const DEFAULT_AGENT_IMAGE = 'quay.io/edge-infrastructure/assisted-installer-agent:latest';
/** Upstream's HOST_MAX_DISCONNECTION_TIME. */
export const DISCONNECTION_TIMEOUT_MS = 3 * 60_000;
/**
 * Connectivity checks go to at most this many peers: upstream's clusters are a few dozen hosts, an
 * infra-env here may hold thousands, and a step whose argument lists all of them helps no one.
 */
export const MAX_CONNECTIVITY_PEERS = 50;
/** Hosts per re-read statement. */
const REREADS_PER_READ = 500;
const CANDIDATES_TTL_MS = 1_000;
const MISSING_INFRA_ENV_TTL_MS = 1_000;
const MISSING_INFRA_ENVS_CAP = 10_000;
/** Hosts one background pass may judge again; the rest wait for the next pass (or their next report). */
const PEER_REEVALUATIONS_PER_PASS = 500;

export interface DiscoveryServiceOptions {
  /** The image next_step_runner_command names; by default the one the agent registered with. */
  agentImage?: string;
  now?: () => Date;
  /** Where uploaded log archives live (<dir>/<infra-env>/<host>/); removed with their host. */
  logsDir?: string;
  /** next_instruction_seconds for connected hosts (upstream: 60). */
  pollIntervalSeconds?: number;
  /**
   * How this replica hears of other replicas' changes and publishes its own (the console's live
   * stream listens too): one process by default; PostgresCoordination for replicas on PostgreSQL.
   */
  coordination?: Coordination;
  /** Told of the work done (the metrics count it). */
  observer?: ServiceObserver;
  /** Work the service does on its own (re-reading what another replica changed) that failed. */
  onBackgroundError?: (error: unknown) => void;
}

/** What the service tells its observers as it works: called after the change is durable. */
export interface ServiceObserver {
  hostRegistered(infraEnvId: string, isNew: boolean): void;
  hostPolled(infraEnvId: string): void;
  stepReplied(stepType: string | undefined, exitCode: number | undefined): void;
  logsReceived(bytes: number): void;
  infraEnvDeleted(infraEnvId: string): void;
}

const NO_OBSERVER: ServiceObserver = {
  hostRegistered: () => undefined,
  hostPolled: () => undefined,
  stepReplied: () => undefined,
  logsReceived: () => undefined,
  infraEnvDeleted: () => undefined,
};

export type InfraEnvParams = Omit<InfraEnvRecord, 'id' | keyof InfraEnvTokens | 'createdAt' | 'updatedAt'>;

/**
 * The service's behaviour, independent of HTTP: registration, next steps, step replies, logs, the
 * disconnection monitor and the operator's view. Routes translate requests into these calls.
 */
export class DiscoveryService {
  private readonly hosts: HostCache;
  private readonly infraEnvs = new Map<string, InfraEnvRecord>();
  private readonly agentTokens = new AgentTokenIndex();
  private readonly lock = new KeyedLock();
  private readonly candidates = new Map<string, { at: number; hosts: HostRecord[] }>();
  /** Hosts other replicas changed, by infra-env, waiting to be read again (see rereadLater). */
  private readonly pendingRereads = new Map<string, Set<string>>();
  private rereadScheduled = false;
  private readonly connectivityThrottle: ConnectivityThrottle;
  private readonly now: () => Date;
  /** Every committed change to hosts, infra-envs and events, this replica's and the others', for watchers (src/server/live/). */
  readonly changes: ChangeFeed;
  private readonly coordination: Coordination;
  /** Infra-env IDs the shared store did not have, and until when that answer stands (see knowInfraEnv). */
  private readonly missingInfraEnvs = new Map<string, number>();
  /** Per infra-env, the connectivity targets the last background pass saw (see reevaluatePeers). */
  private readonly targetDigests = new Map<string, string>();
  private readonly observer: ServiceObserver;

  constructor(
    readonly store: Store,
    private readonly options: DiscoveryServiceOptions = {},
  ) {
    this.hosts = new HostCache(store);
    this.now = options.now ?? (() => new Date());
    this.coordination = options.coordination ?? new SoloCoordination();
    this.changes = this.coordination;
    this.observer = options.observer ?? NO_OBSERVER;
    this.connectivityThrottle = new ConnectivityThrottle(options.pollIntervalSeconds ?? NEXT_INSTRUCTION_SECONDS);
  }

  async start(): Promise<void> {
    await this.store.migrate();
    // Subscribed before the first read: a change made meanwhile is then read again, never missed.
    this.coordination.subscribe((change, origin) => this.heard(change, origin));
    await this.loadInfraEnvs();
    await this.hosts.warm([...this.infraEnvs.keys()]);
  }

  private async loadInfraEnvs(): Promise<void> {
    const stored = await this.store.listInfraEnvs();
    const ids = new Set(stored.map((e) => e.id));
    for (const [id, gone] of this.infraEnvs) if (!ids.has(id)) this.forgetInfraEnv(id, gone);
    for (const infraEnv of stored) this.rememberInfraEnv(infraEnv);
  }

  private rememberInfraEnv(infraEnv: InfraEnvRecord): void {
    const previous = this.infraEnvs.get(infraEnv.id);
    this.infraEnvs.set(infraEnv.id, infraEnv);
    this.missingInfraEnvs.delete(infraEnv.id);
    if (!previous) this.agentTokens.add(infraEnv.agentToken);
    else if (previous.agentToken !== infraEnv.agentToken) this.agentTokens.replace(previous.agentToken, infraEnv.agentToken);
  }

  private forgetInfraEnv(id: string, infraEnv: InfraEnvRecord): void {
    this.infraEnvs.delete(id);
    this.agentTokens.retire(infraEnv.agentToken);
    this.hosts.dropInfraEnv(id);
    this.candidates.delete(id);
    this.connectivityThrottle.forget(id);
  }

  /**
   * Another replica changed something this one keeps in memory: read it again from the store.
   * Until the read completes (milliseconds) this replica answers from what it had; its own writes
   * stay safe meanwhile, because every host write checks the stored version (Store.updateHost).
   */
  private heard(change: Change, origin: ChangeOrigin): void {
    if (origin !== 'remote') return;
    const reread = async () => {
      switch (change.kind) {
        case 'host':
          this.rereadLater(change.infraEnvId, change.hostId);
          return;
        case 'host-removed':
          await this.lock.run(change.hostId, async () => this.hosts.delete(change.infraEnvId, change.hostId));
          this.candidates.delete(change.infraEnvId);
          return;
        case 'infra-env': {
          const infraEnv = await this.store.getInfraEnv(change.infraEnvId);
          if (infraEnv) this.rememberInfraEnv(infraEnv);
          return;
        }
        case 'infra-env-removed': {
          const known = this.infraEnvs.get(change.infraEnvId);
          if (known) this.forgetInfraEnv(change.infraEnvId, known);
          return;
        }
        case 'resync':
          this.hosts.clear();
          this.candidates.clear();
          await this.loadInfraEnvs();
          await this.hosts.warm([...this.infraEnvs.keys()]);
          return;
        case 'event':
          return;
      }
    };
    reread().catch((error: unknown) => this.options.onBackgroundError?.(error));
  }

  /**
   * Hosts other replicas changed are re-read together: every change notified while the event loop
   * was busy goes into one read (one statement for a burst), not one read each. A re-read that a
   * write of this replica overtook is not applied (the cache holds that newer record) and is
   * read again, since the store may hold a newer one still (HostCache.applyReread).
   */
  private rereadLater(infraEnvId: string, hostId: string): void {
    let ids = this.pendingRereads.get(infraEnvId);
    if (!ids) this.pendingRereads.set(infraEnvId, (ids = new Set()));
    ids.add(hostId);
    if (this.rereadScheduled) return;
    this.rereadScheduled = true;
    setImmediate(() => {
      this.rereadScheduled = false;
      this.rereadPending().catch((error: unknown) => this.options.onBackgroundError?.(error));
    });
  }

  private async rereadPending(): Promise<void> {
    const pending = [...this.pendingRereads];
    this.pendingRereads.clear();
    for (const [infraEnvId, ids] of pending) {
      const all = [...ids];
      for (let i = 0; i < all.length; i += REREADS_PER_READ) {
        const part = all.slice(i, i + REREADS_PER_READ);
        const positions = this.hosts.positions(infraEnvId, part);
        if (!positions) continue;
        const found = await this.store.getHosts(infraEnvId, part);
        for (const moved of this.hosts.applyReread(infraEnvId, positions, found)) this.rereadLater(infraEnvId, moved);
      }
      this.candidates.delete(infraEnvId);
    }
  }

  /**
   * With replicas sharing the store, an infra-env created through another one may not have been
   * heard of yet: look in the store before a request is refused for it. Answers "not there" for a
   * second per ID, so a caller naming random IDs costs one indexed lookup per ID per second.
   * Undefined when there is nothing to look up (every request asks: most need no promise).
   */
  knowInfraEnv(id: string): Promise<void> | undefined {
    if (!this.coordination.shared || this.infraEnvs.has(id)) return undefined;
    const now = Date.now();
    const missingUntil = this.missingInfraEnvs.get(id);
    if (missingUntil !== undefined && missingUntil > now) return undefined;
    return this.lookUpInfraEnv(id, now);
  }

  private async lookUpInfraEnv(id: string, now: number): Promise<void> {
    const infraEnv = await this.store.getInfraEnv(id);
    if (infraEnv) {
      this.rememberInfraEnv(infraEnv);
      return;
    }
    if (this.missingInfraEnvs.size >= MISSING_INFRA_ENVS_CAP) this.missingInfraEnvs.delete(this.missingInfraEnvs.keys().next().value as string);
    this.missingInfraEnvs.set(id, now + MISSING_INFRA_ENV_TTL_MS);
  }

  // ---- infra-envs

  async createInfraEnv(params: InfraEnvParams): Promise<InfraEnvRecord> {
    const at = this.now().toISOString();
    const infraEnv: InfraEnvRecord = {
      ...params,
      id: randomUUID(),
      agentToken: newSecretToken(),
      downloadToken: newSecretToken(),
      createdAt: at,
      updatedAt: at,
    };
    await this.store.createInfraEnv(infraEnv);
    this.rememberInfraEnv(infraEnv);
    this.changes.publish({ kind: 'infra-env', infraEnvId: infraEnv.id });
    await this.event({ name: 'infra_env_registered', infraEnvId: infraEnv.id, severity: 'info', message: `Registered infra-env ${infraEnv.name}` });
    return infraEnv;
  }

  /** The service's clock (tests set it): token expiry is judged by it. */
  clock(): Date {
    return this.now();
  }

  infraEnv(id: string): InfraEnvRecord | undefined {
    return this.infraEnvs.get(id);
  }

  /** Whether `token` is the agent token of an infra-env, or was, of one deleted while this service ran. */
  isAgentToken(token: string): boolean {
    return this.agentTokens.has(token);
  }

  requireInfraEnv(id: string): InfraEnvRecord {
    const infraEnv = this.infraEnvs.get(id);
    if (!infraEnv) throw notFound(`infra-env ${id}`);
    return infraEnv;
  }

  listInfraEnvs(): InfraEnvRecord[] {
    return [...this.infraEnvs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * A new agent token: agents holding the old one get 401 on their next request and stop (they are
   * told it was rotated). Discovery files made before carry the old one and must be fetched again.
   */
  async rotateAgentToken(id: string): Promise<InfraEnvRecord> {
    return this.replaceTokens(id, (infraEnv, at) => ({ ...infraEnv, agentToken: newSecretToken(), agentTokenRotatedAt: at }), 'agent token');
  }

  /** A new download token, valid until rotated again or for `validForSeconds`; the old one stops working at once. */
  async rotateDownloadToken(id: string, validForSeconds?: number): Promise<InfraEnvRecord> {
    return this.replaceTokens(
      id,
      (infraEnv) => ({
        ...infraEnv,
        downloadToken: newSecretToken(),
        downloadTokenExpiresAt: validForSeconds === undefined ? undefined : new Date(this.now().getTime() + validForSeconds * 1000).toISOString(),
      }),
      'download token',
    );
  }

  private async replaceTokens(id: string, replace: (infraEnv: InfraEnvRecord, at: string) => InfraEnvRecord, what: string): Promise<InfraEnvRecord> {
    const at = this.now().toISOString();
    const previous = this.requireInfraEnv(id);
    const rotated = replace(previous, at);
    const tokens: InfraEnvTokens = {
      agentToken: rotated.agentToken,
      agentTokenRotatedAt: rotated.agentTokenRotatedAt,
      downloadToken: rotated.downloadToken,
      downloadTokenExpiresAt: rotated.downloadTokenExpiresAt,
    };
    if (!(await this.store.updateInfraEnvTokens(id, tokens))) throw notFound(`infra-env ${id}`);
    // A new record object: a request already holding the old one finishes with what it checked.
    this.rememberInfraEnv(rotated);
    this.changes.publish({ kind: 'infra-env', infraEnvId: id });
    await this.event({ name: 'infra_env_token_rotated', infraEnvId: id, severity: 'info', message: `Infra-env ${rotated.name}: ${what} rotated` });
    return rotated;
  }

  async deleteInfraEnv(id: string): Promise<void> {
    const infraEnv = this.requireInfraEnv(id);
    await this.store.deleteInfraEnv(id);
    this.forgetInfraEnv(id, infraEnv);
    this.changes.publish({ kind: 'infra-env-removed', infraEnvId: id });
    this.observer.infraEnvDeleted(id);
    if (this.options.logsDir) await rm(path.join(this.options.logsDir, id), { recursive: true, force: true });
  }

  // ---- agent API

  async register(infraEnvId: string, hostId: string, agentVersion: string | undefined, requestId?: string): Promise<{ host: HostRecord; runner: NextStepCmdRequest }> {
    const infraEnv = this.requireInfraEnv(infraEnvId);
    return this.lock.run(hostId, async () => {
      const at = this.now().toISOString();
      let existing: HostRecord | undefined;
      // Re-registration restarts discovery, as upstream's RegisterHost transition does.
      let host = await this.refreshAndWrite(infraEnv, infraEnvId, hostId, (current) => {
        existing = current;
        const base: HostRecord = { ...current, registeredAt: at, checkedInAt: at, updatedAt: at, status: 'discovering', statusInfo: 'Waiting for host to send hardware details' };
        if (agentVersion) base.discoveryAgentVersion = agentVersion;
        return base;
      });
      if (!host) {
        const base: HostRecord = {
            id: hostId,
            infraEnvId,
            status: 'discovering',
            statusInfo: 'Waiting for host to send hardware details',
            statusUpdatedAt: at,
            createdAt: at,
            updatedAt: at,
            registeredAt: at,
            checkedInAt: at,
            stepErrors: {},
            logsInfo: '',
            logsRequested: false,
          };
        if (agentVersion) base.discoveryAgentVersion = agentVersion;
        // Two replicas registering one new host at once both insert it: the same record either way.
        host = (await this.refresh(base, infraEnv)).host;
        await this.store.putHost(host);
        await this.remember(host);
      }
      this.observer.hostRegistered(infraEnvId, !existing);
      await this.event({
        name: existing ? 'host_re_registered' : 'host_registration_succeeded',
        infraEnvId,
        hostId,
        severity: 'info',
        requestId,
        message: `Host ${hostName(host)}: ${existing ? 're-registered' : 'successfully registered'}`,
      });
      const image = this.options.agentImage ?? (agentVersion && IMAGE_REF_RE.test(agentVersion) ? agentVersion : DEFAULT_AGENT_IMAGE);
      return { host, runner: { infra_env_id: infraEnvId, host_id: hostId, agent_version: image } };
    });
  }

  async nextSteps(infraEnvId: string, hostId: string, poll: { timestamp?: number; agentVersion?: string }): Promise<Steps> {
    const infraEnv = this.requireInfraEnv(infraEnvId);
    let host = await this.hosts.get(infraEnvId, hostId);
    if (!host) throw notFound(`host ${hostId} in infra-env ${infraEnvId}`);
    const at = this.now().toISOString();
    // The heartbeat is updated in place: records are otherwise replaced on change, and the domain
    // caches parsed inventories per record object, which a new object per poll would defeat.
    host.checkedInAt = at;
    if (poll.timestamp) host.timestamp = poll.timestamp;
    if (poll.agentVersion) host.discoveryAgentVersion = poll.agentVersion;
    await this.store.recordCheckIn(infraEnvId, hostId, { at, timestamp: poll.timestamp, agentVersion: poll.agentVersion });
    this.observer.hostPolled(infraEnvId);
    if (host.status === 'disconnected') {
      // A disconnected host that polls again is back: re-evaluate it now rather than at the next tick.
      host = (await this.lock.run(hostId, () => this.refreshAndWrite(infraEnv, infraEnvId, hostId))) ?? host;
    }
    return stepsFor({
      host,
      infraEnv,
      others: await this.connectivityCandidates(infraEnvId),
      newStepId,
      maxConnectivityPeers: MAX_CONNECTIVITY_PEERS,
      pollIntervalSeconds: this.options.pollIntervalSeconds,
      mayCheckConnectivity: () => this.connectivityThrottle.take(infraEnvId),
    });
  }

  async postStepReply(infraEnvId: string, hostId: string, reply: StepReply): Promise<void> {
    const infraEnv = this.requireInfraEnv(infraEnvId);
    if (!(await this.hosts.get(infraEnvId, hostId))) throw notFound(`host ${hostId} in infra-env ${infraEnvId}`);
    // The output is decoded first, in turns of the event loop of its own: a large inventory's
    // parse and the host's refresh then hold the loop one after the other, never as one block.
    let decoded: DecodedReply;
    try {
      decoded = await decodeStepReplyYielding(reply);
    } catch (err: unknown) {
      if (err instanceof ReplyFormatError) throw new HttpError(400, err.message);
      throw err;
    }
    // After a large output's decoding, the refresh takes a turn of its own too; a small one is
    // decoded in microseconds, and a turn of the loop per reply would only add a wait under load.
    if ((reply.output ?? '').length > YIELDING_OUTPUT_CHARS) await new Promise((resolve) => setImmediate(resolve));
    const affected = await this.lock.run(hostId, async () => {
      let host: HostRecord | undefined;
      let namesakesBefore: HostRecord[] = [];
      const written = await this.writeHost(infraEnvId, hostId, async (current) => {
        host = current;
        const applied = applyDecodedReply(current, reply, decoded, this.now());
        const stepResult: StepResultRecord = {
        infraEnvId,
        hostId,
        stepId: reply.step_id ?? '',
        stepType: reply.step_type ?? '',
        exitCode: reply.exit_code ?? 0,
        output: reply.output ?? '',
        error: reply.error ?? '',
          receivedAt: this.now().toISOString(),
        };
        namesakesBefore = await this.hosts.sameHostname(current);
        return { host: (await this.refresh(applied, infraEnv)).host, stepResult };
      });
      if (!written || !host) throw notFound(`host ${hostId} in infra-env ${infraEnvId}`);
      this.observer.stepReplied(reply.step_type, reply.exit_code);
      // The reply itself may change the status (exit code 256: media gone), before the refresh.
      if (written.status !== host.status) await this.statusEvent(written, host.status);
      if (peerSummary(host).hostnameKey === peerSummary(written).hostnameKey) return [];
      // A new or changed hostname changes hostname-unique for the hosts that shared the old name
      // and those that share the new one.
      return [...namesakesBefore, ...(await this.hosts.sameHostname(written))];
    });
    // After this host's lock is released: taking other hosts' locks while holding it could deadlock.
    for (const other of affected) {
      await this.lock.run(other.id, () => this.refreshAndWrite(infraEnv, other.infraEnvId, other.id));
    }
  }

  async updateLogsProgress(infraEnvId: string, hostId: string, state: LogsState): Promise<void> {
    this.requireInfraEnv(infraEnvId);
    await this.lock.run(hostId, async () => {
      const at = this.now().toISOString();
      const written = await this.writeHost(infraEnvId, hostId, (host) => {
        const updated: HostRecord = { ...host, logsInfo: state, updatedAt: at };
        if (state === 'requested') updated.logsStartedAt = at;
        if (state === 'completed') updated.logsRequested = false;
        return { host: updated };
      });
      if (!written) throw notFound(`host ${hostId} in infra-env ${infraEnvId}`);
    });
  }

  async logsUploaded(logs: LogsRecord): Promise<void> {
    await this.lock.run(logs.hostId, async () => {
      this.requireInfraEnv(logs.infraEnvId);
      const written = await this.writeHost(logs.infraEnvId, logs.hostId, (host) => ({
        host: { ...host, logsCollectedAt: logs.uploadedAt, logsInfo: 'collecting', logsRequested: false, updatedAt: logs.uploadedAt },
      }));
      if (!written) throw notFound(`host ${logs.hostId} in infra-env ${logs.infraEnvId}`);
      // saveLogs writes the host too: with the record just written, so no other change is undone.
      await this.store.saveLogs(logs, written);
    });
    this.observer.logsReceived(logs.sizeBytes);
    await this.event({
      name: 'host_logs_uploaded',
      infraEnvId: logs.infraEnvId,
      hostId: logs.hostId,
      severity: 'info',
      message: `Host ${logs.hostId}: uploaded logs (${logs.sizeBytes} bytes)`,
    });
  }

  // ---- operator API

  async listHosts(infraEnvId: string): Promise<HostRecord[]> {
    this.requireInfraEnv(infraEnvId);
    return (await this.hosts.list(infraEnvId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Hosts per infra-env and status, from memory (what the hosts gauge reports): O(hosts), no store query. */
  hostCounts(): Map<string, Map<HostStatus, number>> {
    const counts = new Map<string, Map<HostStatus, number>>();
    for (const host of this.hosts.all()) {
      let byStatus = counts.get(host.infraEnvId);
      if (!byStatus) counts.set(host.infraEnvId, (byStatus = new Map()));
      byStatus.set(host.status, (byStatus.get(host.status) ?? 0) + 1);
    }
    return counts;
  }

  async requireHost(infraEnvId: string, hostId: string): Promise<HostRecord> {
    this.requireInfraEnv(infraEnvId);
    const host = await this.hosts.get(infraEnvId, hostId);
    if (!host) throw notFound(`host ${hostId} in infra-env ${infraEnvId}`);
    return host;
  }

  async deleteHost(infraEnvId: string, hostId: string): Promise<void> {
    await this.requireHost(infraEnvId, hostId);
    await this.lock.run(hostId, async () => {
      await this.store.deleteHost(infraEnvId, hostId);
      this.hosts.delete(infraEnvId, hostId);
      this.changes.publish({ kind: 'host-removed', infraEnvId, hostId });
      if (this.options.logsDir) await rm(path.join(this.options.logsDir, infraEnvId, hostId), { recursive: true, force: true });
    });
    await this.event({ name: 'host_deregistered', infraEnvId, hostId, severity: 'info', message: `Host ${hostId}: deregistered by the operator` });
  }

  /** An operator asks for the host's logs: the next poll carries a logs-gather step. */
  async requestLogs(infraEnvId: string, hostId: string): Promise<HostRecord> {
    this.requireInfraEnv(infraEnvId);
    return this.lock.run(hostId, async () => {
      const written = await this.writeHost(infraEnvId, hostId, (host) => ({ host: { ...host, logsRequested: true, updatedAt: this.now().toISOString() } }));
      if (!written) throw notFound(`host ${hostId} in infra-env ${infraEnvId}`);
      return written;
    });
  }

  async stepResults(infraEnvId: string, hostId: string): Promise<StepResultRecord[]> {
    await this.requireHost(infraEnvId, hostId);
    return this.store.listStepResults(infraEnvId, hostId);
  }

  listEvents(filter: EventFilter): Promise<EventRecord[]> {
    return this.store.listEvents(filter);
  }

  /** One pass of the monitor: hosts silent for longer than the disconnection timeout go disconnected. */
  async markDisconnected(): Promise<number> {
    const cutoff = this.now().getTime() - DISCONNECTION_TIMEOUT_MS;
    const silent = [...this.hosts.all()].filter((h) => h.status !== 'disconnected' && Date.parse(h.checkedInAt) < cutoff);
    let marked = 0;
    for (const stale of silent) {
      const infraEnv = this.infraEnvs.get(stale.infraEnvId);
      if (!infraEnv) continue;
      await this.lock.run(stale.id, async () => {
        // Polls may have reached another replica: judge by the stored check-in, not this cache's.
        const written = await this.refreshAndWrite(infraEnv, stale.infraEnvId, stale.id, undefined, {
          fresh: this.coordination.shared,
          onlyIf: (current) => current.status !== 'disconnected' && Date.parse(current.checkedInAt) < cutoff,
        });
        if (written?.status === 'disconnected') marked++;
      });
    }
    return marked;
  }

  /**
   * The background half of belongs-to-majority-group (upstream's periodic refresh): a host is
   * judged by its own connectivity report against the infra-env's current targets, so when the
   * targets change (a host joins, goes disconnected or is deleted), the hosts that reported on
   * them are judged again now instead of at their next report. Runs in the host-monitor lease;
   * a pass is O(hosts) to notice a change and re-evaluates at most `maxHosts`, writing only those
   * whose validations or status moved.
   */
  async reevaluatePeers(maxHosts = PEER_REEVALUATIONS_PER_PASS): Promise<number> {
    let evaluated = 0;
    for (const [infraEnvId, infraEnv] of this.infraEnvs) {
      const targets: string[] = [];
      const reporters: HostRecord[] = [];
      for (const h of await this.hosts.each(infraEnvId)) {
        if (peerSummary(h).target) targets.push(h.id);
        if (h.connectivity && (h.status === 'known' || h.status === 'insufficient')) reporters.push(h);
      }
      const digest = targets.sort().join(',');
      const before = this.targetDigests.get(infraEnvId);
      this.targetDigests.set(infraEnvId, digest);
      if (before === undefined || before === digest) continue;
      for (const reporter of reporters) {
        if (evaluated >= maxHosts) return evaluated;
        evaluated++;
        await this.lock.run(reporter.id, () =>
          this.refreshAndWrite(infraEnv, infraEnvId, reporter.id, undefined, { onlyIfChanged: true }),
        );
      }
    }
    for (const id of this.targetDigests.keys()) if (!this.infraEnvs.has(id)) this.targetDigests.delete(id);
    return evaluated;
  }

  // ---- internals

  /**
   * Hosts a poll's connectivity check may target: the first MAX_CONNECTIVITY_PEERS + 1 known or
   * insufficient hosts with an inventory (one more, as the polling host may be among them). Kept
   * for a second per infra-env: polls come by the thousand per second, and walking every host of
   * a large infra-env for each is what would limit them; upstream throttles this step likewise.
   */
  private async connectivityCandidates(infraEnvId: string): Promise<HostRecord[]> {
    const cached = this.candidates.get(infraEnvId);
    const nowMs = Date.now();
    if (cached && nowMs - cached.at < CANDIDATES_TTL_MS) return cached.hosts;
    const hosts: HostRecord[] = [];
    for (const h of await this.hosts.each(infraEnvId)) {
      if (hosts.length > MAX_CONNECTIVITY_PEERS) break;
      if ((h.status === 'known' || h.status === 'insufficient') && h.inventory) hosts.push(h);
    }
    this.candidates.set(infraEnvId, { at: nowMs, hosts });
    return hosts;
  }

  /**
   * Validations look at peers for two things only: hostname clashes and connectivity to the hosts
   * a connectivity check targets. Those, rather than every host of the infra-env, keep a reply's
   * cost flat however large the infra-env grows.
   */
  private async refresh(host: HostRecord, infraEnv: InfraEnvRecord) {
    // The candidate list is up to a second old: judge against the peers' current records, or a
    // rename that just happened would still count against its old namesakes.
    const listed = await this.connectivityCandidates(host.infraEnvId);
    const candidates = (await this.hosts.current(host.infraEnvId, listed)).filter((candidate) => candidate.id !== host.id);
    // The cache's name index holds every namesake: uniqueness needs no walk of the candidates.
    const namesakes = await this.hosts.sameHostname(host);
    const clashes = namesakes.filter((h) => !candidates.includes(h));
    return refreshHost(host, infraEnv, [...candidates.slice(0, MAX_CONNECTIVITY_PEERS), ...clashes], this.now(), namesakes);
  }

  /**
   * Re-evaluates the stored host's validations and status (after `modify`, if given), writes it,
   * and records a status change as an event. Undefined when the host does not exist.
   */
  private async refreshAndWrite(
    infraEnv: InfraEnvRecord,
    infraEnvId: string,
    hostId: string,
    modify?: (current: HostRecord) => HostRecord,
    options: { fresh?: boolean; onlyIf?: (current: HostRecord) => boolean; onlyIfChanged?: boolean } = {},
  ): Promise<HostRecord | undefined> {
    let from: HostRecord['status'] | undefined;
    const written = await this.writeHost(
      infraEnvId,
      hostId,
      async (current) => {
        if (options.onlyIf && !options.onlyIf(current)) return undefined;
        const refreshed = (await this.refresh(modify ? modify(current) : current, infraEnv)).host;
        if (options.onlyIfChanged && sameJudgement(current, refreshed)) return undefined;
        from = current.status;
        return { host: refreshed };
      },
      options.fresh,
    );
    if (written && from !== undefined && from !== written.status) await this.statusEvent(written, from);
    return written;
  }

  /**
   * Every host write goes through here: a read-modify-write that the store checks against the
   * version it read, so two requests, or two replicas, writing one host never lose either's change
   * (`change` runs again on the newer record when another writer came first; it must not act
   * outside its return value). The cached record is tried first (`fresh` reads the store instead).
   * Then into the cache, and out to watchers. Undefined when the host does not exist.
   */
  private async writeHost(infraEnvId: string, hostId: string, change: (current: HostRecord) => HostUpdate | undefined | Promise<HostUpdate | undefined>, fresh = false): Promise<HostRecord | undefined> {
    const assumed = fresh ? undefined : await this.hosts.get(infraEnvId, hostId);
    let wrote = false;
    const written = await this.store.updateHost(
      infraEnvId,
      hostId,
      async (current) => {
        const update = await change(current);
        wrote = update !== undefined;
        return update;
      },
      { assumed },
    );
    if (!written) this.hosts.delete(infraEnvId, hostId);
    else if (wrote) await this.remember(written);
    else if (written !== assumed) await this.hosts.set(written);
    return written;
  }

  private async statusEvent(host: HostRecord, from: HostRecord['status']): Promise<void> {
    const severity: EventSeverity = host.status === 'known' || host.status === 'discovering' ? 'info' : 'warning';
    await this.event({
      name: 'host_status_updated',
      infraEnvId: host.infraEnvId,
      hostId: host.id,
      severity,
      message: `Host ${hostName(host)}: updated status from ${from} to ${host.status} (${host.statusInfo})`,
    });
  }

  private async event(event: Omit<EventRecord, 'eventTime'>): Promise<void> {
    const record = { ...event, eventTime: this.now().toISOString() };
    await this.store.addEvent(record);
    this.changes.publish({ kind: 'event', event: record });
  }

  /** A host record the store has made durable: into the cache, and out to watchers. */
  private async remember(host: HostRecord): Promise<void> {
    await this.hosts.set(host);
    this.changes.publish({ kind: 'host', infraEnvId: host.infraEnvId, hostId: host.id, status: host.status, statusInfo: host.statusInfo, updatedAt: host.updatedAt });
  }
}

function sameJudgement(a: HostRecord, b: HostRecord): boolean {
  return a.status === b.status && a.statusInfo === b.statusInfo && sameValidations(a.validationsInfo, b.validationsInfo);
}

/** upstream step ids: "<type>-<8 hex>". randomUUID draws from a cached pool; randomBytes would not. */
export function newStepId(type: string): string {
  return `${type}-${randomUUID().slice(0, 8)}`;
}

/** The host's name when it has one (the cached inventory parse), else its ID, for messages an operator reads. */
export function hostName(host: HostRecord): string {
  return hostnameOf(host) || host.id;
}
