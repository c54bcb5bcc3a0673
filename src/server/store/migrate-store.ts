import { pipeline } from 'node:stream/promises';
import { isDeepStrictEqual } from 'node:util';
import type { EventRecord, StepResultRecord } from '../model.js';
import type { Store } from './store.js';

/**
 * Copies everything one store holds into another (the embedded SQLite file into PostgreSQL when a
 * site moves), through the Store interface only. Idempotent: a record the target already holds
 * as it is is left alone, so a second run copies nothing and changes nothing; a run cut short is
 * finished by the next one.
 */
export interface MigrationCounts {
  infraEnvs: number;
  hosts: number;
  stepResults: number;
  events: number;
  logs: number;
}

export class TargetNotEmptyError extends Error {
  constructor(infraEnvs: number, hosts: number) {
    super(`the target store is not empty (${infraEnvs} infra-envs, ${hosts} hosts); pass --force to copy into it anyway (records it already holds are kept)`);
    this.name = 'TargetNotEmptyError';
  }
}

export async function migrateStore(from: Store, to: Store, options: { force?: boolean; progress?: (line: string) => void } = {}): Promise<MigrationCounts> {
  const progress = options.progress ?? (() => undefined);
  const targetEnvs = await to.listInfraEnvs();
  const targetHosts = await to.countHosts();
  if (!options.force && (targetEnvs.length > 0 || targetHosts > 0)) throw new TargetNotEmptyError(targetEnvs.length, targetHosts);
  const counts: MigrationCounts = { infraEnvs: 0, hosts: 0, stepResults: 0, events: 0, logs: 0 };

  const known = new Map(targetEnvs.map((e) => [e.id, e]));
  const infraEnvs = await from.listInfraEnvs();
  for (const infraEnv of infraEnvs) {
    const existing = known.get(infraEnv.id);
    if (!existing) {
      await to.createInfraEnv(infraEnv);
      counts.infraEnvs += 1;
    } else if (!isDeepStrictEqual(existing, infraEnv)) {
      // The same infra-env rotated its tokens since a previous run: the source is the truth.
      await to.updateInfraEnvTokens(infraEnv.id, infraEnv);
      counts.infraEnvs += 1;
    }
  }
  progress(`infra-envs: ${counts.infraEnvs} copied of ${infraEnvs.length}`);

  const hosts = await from.listAllHosts();
  let done = 0;
  for (const host of hosts) {
    const existing = await to.getHost(host.infraEnvId, host.id);
    if (!existing || !isDeepStrictEqual(existing, host)) {
      await to.putHost(host);
      counts.hosts += 1;
    }
    const have = new Set((await to.listStepResults(host.infraEnvId, host.id)).map(stepResultKey));
    for (const result of await from.listStepResults(host.infraEnvId, host.id)) {
      if (have.has(stepResultKey(result))) continue;
      await to.saveStepReply(result, host);
      counts.stepResults += 1;
    }
    const logs = await from.getLogs(host.infraEnvId, host.id);
    const targetLogs = logs && (await to.getLogs(host.infraEnvId, host.id));
    if (logs && !(targetLogs && targetLogs.sizeBytes === logs.sizeBytes && targetLogs.uploadedAt === logs.uploadedAt)) {
      const upload = await to.beginLogArchive(host.infraEnvId, host.id);
      try {
        await pipeline(await from.openLogArchive(logs), upload.sink);
        const archive = await upload.complete();
        await to.saveLogs({ ...logs, path: archive.path, sizeBytes: archive.sizeBytes }, host);
      } finally {
        await upload.discard();
      }
      counts.logs += 1;
    }
    done += 1;
    if (done % 500 === 0 || done === hosts.length) progress(`hosts: ${done} of ${hosts.length} (${counts.hosts} copied, ${counts.stepResults} step results, ${counts.logs} logs archives)`);
  }
  if (hosts.length === 0) progress('hosts: none');

  const have = new Set((await to.listEvents({})).map(eventKey));
  const events = await from.listEvents({});
  for (const event of events) {
    if (have.has(eventKey(event))) continue;
    const { seq: _seq, ...copy } = event;
    await to.addEvent(copy);
    counts.events += 1;
  }
  progress(`events: ${counts.events} copied of ${events.length}`);
  return counts;
}

function stepResultKey(result: StepResultRecord): string {
  return JSON.stringify([result.stepId, result.stepType, result.receivedAt]);
}

function eventKey(event: EventRecord): string {
  return JSON.stringify([event.infraEnvId ?? null, event.hostId ?? null, event.name, event.eventTime, event.message, event.requestId ?? null]);
}
