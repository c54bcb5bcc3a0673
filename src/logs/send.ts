/**
 * logs_sender's sequence, shared by the `logs_sender` command and the `logs-gather` step:
 * logs-progress requested → collect → cap → tar.gz → logs-progress collecting → upload (multipart
 * upfile, streamed from the file) → logs-progress completed.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError } from '../client/api-error.js';
import type { ServiceClient } from '../client/service-client.js';
import type { CommandRunner } from '../host/command-runner.js';
import type { Logger } from '../log/logger.js';
import { capDirectory, createArchive, DEFAULT_MAX_SIZE, describeTruncations, writeReport } from './archive.js';
import { collectLogs } from './collect.js';

export interface SendLogsParams {
  client: ServiceClient;
  run: CommandRunner;
  log?: Logger;
  clusterId: string;
  hostId: string;
  infraEnvId: string;
  since?: string;
  bootstrap: boolean;
  installerGather: boolean;
  mastersIps: string[];
  dontClean: boolean;
  maxSizeBytes?: number;
  agentLogDir?: string;
  journalDir?: string;
  /** Parent of the temporary directory; os.tmpdir() unless set. */
  workDir?: string;
  signal?: AbortSignal;
}

export interface SendLogsResult {
  report: string;
  archive: string;
  archiveBytes: number;
}

export async function sendLogs(params: SendLogsParams): Promise<SendLogsResult> {
  const call = { signal: params.signal };
  const maxBytes = params.maxSizeBytes ?? DEFAULT_MAX_SIZE;
  await params.client.logsProgress(params.hostId, 'requested', call);

  const work = await fs.mkdtemp(path.join(params.workDir ?? os.tmpdir(), 'inband-logs-'));
  try {
    const bundle = path.join(work, `logs_host_${params.hostId}`);
    await fs.mkdir(bundle);
    params.log?.info(`collecting logs into ${bundle}`);
    const notes = await collectLogs({
      run: params.run,
      dir: bundle,
      agentLogDir: params.agentLogDir ?? process.env.INBAND_LOG_DIR ?? '/var/log',
      journalDir: params.journalDir ?? '/var/log/journal',
      since: params.since,
      bootstrap: params.bootstrap,
      installerGather: params.installerGather,
      mastersIps: params.mastersIps,
      signal: params.signal,
    });
    notes.push(...describeTruncations(await capDirectory(bundle, maxBytes), maxBytes));
    const report = await writeReport(bundle, notes);

    const archive = path.join(work, 'logs.tar.gz');
    await createArchive(params.run, bundle, archive, params.signal);
    // The bundle is in the archive now; freeing its disk space before a long upload matters on a
    // discovery image whose /tmp is RAM.
    if (!params.dontClean) await fs.rm(bundle, { recursive: true, force: true });
    const archiveBytes = (await fs.stat(archive)).size;

    await params.client.logsProgress(params.hostId, 'collecting', call);
    params.log?.info(`uploading ${archive} (${archiveBytes} bytes)`);
    try {
      await params.client.uploadLogs({ clusterId: params.clusterId, hostId: params.hostId, infraEnvId: params.infraEnvId, file: archive }, call);
    } catch (err) {
      if (err instanceof ApiError && err.status === 413) {
        throw new Error(
          `the service refused the ${archiveBytes}-byte logs archive as too large (413${err.reason ? `: ${err.reason}` : ''}); a smaller --max-size makes the bundle fit`,
        );
      }
      throw err;
    }
    await params.client.logsProgress(params.hostId, 'completed', call);
    return { report, archive, archiveBytes };
  } finally {
    if (!params.dontClean) await fs.rm(work, { recursive: true, force: true });
    else params.log?.info(`kept the collected logs in ${work} (--dont-clean)`);
  }
}
