import { pipeline } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StepReply } from '../../protocol/models.js';
import { checkAgent, type AuthConfig } from '../auth.js';
import type { DiscoveryService } from '../discovery-service.js';
import { HttpError } from '../errors.js';
import type { UploadSlots } from '../http/upload-slots.js';
import { ProgressFloor } from '../http/progress-floor.js';
import { BODY_LIMITS, MULTIPART_LIMITS, UPLOAD_PROGRESS } from '../limits.js';
import type { LogsState } from '../model.js';
import type { LogArchiveUpload } from '../store/store.js';
import { hostWire } from '../wire.js';
import { clusterParams, hostCreateParams, hostParams, infraEnvParams, instructionsQuery, logsProgressParams, stepReply, uploadLogsQuery } from './schemas.js';

export interface AgentRoutesOptions {
  service: DiscoveryService;
  auth: AuthConfig;
  /** Where uploaded log archives are kept. */
  logsDir: string;
  /** Archives larger than this are refused with 413 (upstream's upfile maxLength by default). */
  maxLogBytes: number;
  uploads: UploadSlots;
}

type HostParams = { infra_env_id: string; host_id: string };

function agentVersionHeader(request: FastifyRequest): string | undefined {
  const value = request.headers.discovery_agent_version;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The five calls the discovery agent makes (upstream's agentAuth endpoints). */
export async function agentRoutes(app: FastifyInstance, options: AgentRoutesOptions): Promise<void> {
  const { service, auth } = options;
  // Before the body is read: a caller without the agent token costs a map lookup, not a parse.
  // A callback hook (see http/canonical-ids.ts); a refusal thrown here still answers its 401/404.
  app.addHook('onRequest', (request, _reply, done) => {
    checkAgent(auth, request, service);
    done();
  });

  app.post<{ Params: { infra_env_id: string }; Body: { host_id: string; discovery_agent_version?: string } }>(
    '/v2/infra-envs/:infra_env_id/hosts',
    { schema: { params: infraEnvParams, body: hostCreateParams }, bodyLimit: BODY_LIMITS.registration },
    async (request, reply) => {
      const { infra_env_id: infraEnvId } = request.params;
      const version = request.body.discovery_agent_version || agentVersionHeader(request);
      const { host, runner } = await service.register(infraEnvId, request.body.host_id, version, request.id);
      return reply.code(201).send({ ...hostWire(host), next_step_runner_command: { args: [JSON.stringify(runner)] } });
    },
  );

  app.get<{ Params: HostParams; Querystring: { timestamp?: number } }>(
    '/v2/infra-envs/:infra_env_id/hosts/:host_id/instructions',
    { schema: { params: hostParams, querystring: instructionsQuery } },
    async (request) => {
      const { infra_env_id: infraEnvId, host_id: hostId } = request.params;
      return service.nextSteps(infraEnvId, hostId, { timestamp: request.query.timestamp, agentVersion: agentVersionHeader(request) });
    },
  );

  app.post<{ Params: HostParams; Body: StepReply | undefined }>(
    '/v2/infra-envs/:infra_env_id/hosts/:host_id/instructions',
    { schema: { params: hostParams, body: stepReply }, bodyLimit: BODY_LIMITS.stepReply },
    async (request, reply) => {
      const { infra_env_id: infraEnvId, host_id: hostId } = request.params;
      await service.postStepReply(infraEnvId, hostId, request.body ?? { step_id: '', step_type: '' });
      return reply.code(204).send();
    },
  );

  app.put<{ Params: HostParams; Body: { logs_state: LogsState } }>(
    '/v2/infra-envs/:infra_env_id/hosts/:host_id/logs-progress',
    { schema: { params: hostParams, body: logsProgressParams }, bodyLimit: BODY_LIMITS.logsProgress },
    async (request, reply) => {
      const { infra_env_id: infraEnvId, host_id: hostId } = request.params;
      await service.updateLogsProgress(infraEnvId, hostId, request.body.logs_state);
      return reply.code(204).send();
    },
  );

  // Upstream keys host logs by cluster; hosts here belong to an infra-env only, so the infra_env_id
  // query names it, and logs-gather steps from this service pass the infra-env ID as the cluster ID.
  app.post<{ Params: { cluster_id: string }; Querystring: { logs_type: string; host_id?: string; infra_env_id?: string } }>(
    '/v2/clusters/:cluster_id/logs',
    { schema: { params: clusterParams, querystring: uploadLogsQuery }, config: { streamedBody: true } },
    async (request, reply) => {
      const { logs_type: logsType, host_id: hostId } = request.query;
      const infraEnvId = request.query.infra_env_id ?? request.params.cluster_id;
      if (logsType !== 'host') throw new HttpError(400, `logs_type ${logsType || '""'} is not supported: this service keeps host logs only`);
      if (!hostId) throw new HttpError(400, 'host_id is required for host logs');
      await service.requireHost(infraEnvId, hostId);
      if (!request.isMultipart()) throw new HttpError(400, 'expected a multipart/form-data body with the file in field upfile');
      const release = options.uploads.acquire(`${infraEnvId}/${hostId}`);
      try {
        await receiveArchive(request, options, infraEnvId, hostId, service);
      } finally {
        release();
      }
      return reply.code(204).send();
    },
  );
}

/**
 * The upload's parts. The multipart parser throws plain errors for a malformed body (no boundary,
 * a part cut short): those are the client's, so 400, never the 500 of an unexpected failure.
 * HTTP errors (limits) and file-system errors (errno) pass unchanged.
 */
async function* multipartParts(request: FastifyRequest): AsyncGenerator<Multipart> {
  const parts = (() => {
    try {
      return request.parts()[Symbol.asyncIterator]();
    } catch (error) {
      throw asClientError(error);
    }
  })();
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (error) {
      throw asClientError(error);
    }
    if (next.done) return;
    yield next.value;
  }
}

function asClientError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  const e = error as { statusCode?: unknown; errno?: unknown };
  if (typeof e?.statusCode === 'number' || typeof e?.errno === 'number') return error;
  return new HttpError(400, `malformed multipart body: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Streams the upload into the store (a temporary file in the data dir, or chunks in PostgreSQL),
 * which makes it the host's archive only once it is complete: a reader sees the old archive or the
 * new one. Every part is read through to the end first, so a second file, too many fields or a
 * field over its size refuses the whole upload before anything replaces the host's archive.
 */
async function receiveArchive(request: FastifyRequest, options: AgentRoutesOptions, infraEnvId: string, hostId: string, service: DiscoveryService): Promise<void> {
  let upload: LogArchiveUpload | undefined;
  let received = false;
  let fields = 0;
  try {
    for await (const part of multipartParts(request)) {
      if (part.type === 'field') {
        fields += 1;
        if (fields > MULTIPART_LIMITS.fields) throw new HttpError(413, `a logs upload carries at most ${MULTIPART_LIMITS.fields} fields besides upfile`);
        if (part.valueTruncated) throw new HttpError(413, `multipart field ${JSON.stringify(part.fieldname.slice(0, 40))} is over ${MULTIPART_LIMITS.fieldSize} bytes`);
        continue;
      }
      if (part.fieldname !== 'upfile' || received) {
        part.file.resume();
        throw new HttpError(400, 'expected exactly one file, the logs archive, in multipart field upfile');
      }
      upload = await service.store.beginLogArchive(infraEnvId, hostId);
      // A part the parser gave up on (cut short) may be destroyed by now, while this waited for the
      // store, and pipeline() on a destroyed stream never settles: the handler would hang and
      // keep this host's upload slot for good, refusing its every later upload. Checked in the tick
      // that attaches the pipeline, so nothing can happen in between.
      if (part.file.destroyed) throw asClientError(part.file.errored ?? new Error('the file part ended before its boundary'));
      await pipeline(part.file, new ProgressFloor(UPLOAD_PROGRESS.minBytes, UPLOAD_PROGRESS.windowMs), upload.sink);
      if (part.file.truncated) throw new HttpError(413, `the logs archive exceeds the service's limit of ${options.maxLogBytes} bytes`);
      received = true;
    }
    if (!received || !upload) throw new HttpError(400, 'expected the logs archive in multipart field upfile');
    const archive = await upload.complete();
    await service.logsUploaded({ infraEnvId, hostId, path: archive.path, sizeBytes: archive.sizeBytes, uploadedAt: new Date().toISOString() });
  } finally {
    await upload?.discard();
  }
}
