import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkOperator, type AuthConfig } from '../auth.js';
import type { DiscoveryService, InfraEnvParams } from '../discovery-service.js';
import { HttpError } from '../errors.js';
import type { EventSeverity, InfraEnvRecord } from '../model.js';
import { eventWire, hostWire, infraEnvWire } from '../wire.js';
import { hostSummaryWire } from '../host-summary.js';
import { discoveryFileUrl, type DiscoveryFileName } from '../boot/discovery-files.js';
import { serviceUrlFor } from '../boot/service-url.js';
import { parseSshAuthorizedKeys } from '../boot/ssh-keys.js';
import { eventsQuery, hostListQuery, hostParams, infraEnvCreateParams, infraEnvParams, presignedFileQuery, rotateDownloadTokenBody } from './schemas.js';

interface InfraEnvCreateBody {
  name: string;
  pull_secret?: string;
  ssh_authorized_key?: string | null;
  ntp_sources?: string | null;
  additional_ntp_sources?: string | null;
  cpu_architecture?: string;
  proxy?: InfraEnvParams['proxy'];
  domains_to_resolve?: string[];
  api_vip_url?: string;
  dhcp_allocation?: { interface: string; api_vip_mac: string; ingress_vip_mac: string };
}

type HostParams = { infra_env_id: string; host_id: string };

function toParams(body: InfraEnvCreateBody): InfraEnvParams {
  let sshKeys: string[] = [];
  try {
    sshKeys = parseSshAuthorizedKeys(body.ssh_authorized_key ?? '');
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  return {
    name: body.name,
    pullSecretSet: Boolean(body.pull_secret),
    cpuArchitecture: body.cpu_architecture ?? 'x86_64',
    sshAuthorizedKey: sshKeys.length > 0 ? sshKeys.join('\n') : undefined,
    proxy: body.proxy,
    ntpSources: body.ntp_sources ?? undefined,
    additionalNtpSources: body.additional_ntp_sources ?? undefined,
    domainsToResolve: body.domains_to_resolve ?? [],
    apiVipUrl: body.api_vip_url,
    dhcpAllocation: body.dhcp_allocation
      ? { interface: body.dhcp_allocation.interface, apiVipMac: body.dhcp_allocation.api_vip_mac, ingressVipMac: body.dhcp_allocation.ingress_vip_mac }
      : undefined,
  };
}

/** The operator's API, on upstream's paths and models where upstream has them (userAuth). */
export async function operatorRoutes(app: FastifyInstance, options: { service: DiscoveryService; auth: AuthConfig; publicUrl?: string }): Promise<void> {
  const { service, auth } = options;
  app.addHook('onRequest', async (request: FastifyRequest) => checkOperator(auth, request));
  const wire = (request: FastifyRequest, infraEnv: InfraEnvRecord) => infraEnvWire(infraEnv, serviceUrlFor(request, options.publicUrl));

  app.post<{ Body: InfraEnvCreateBody }>('/v2/infra-envs', { schema: { body: infraEnvCreateParams } }, async (request, reply) => {
    const infraEnv = await service.createInfraEnv(toParams(request.body));
    return reply.code(201).send(wire(request, infraEnv));
  });

  app.get('/v2/infra-envs', async (request) => service.listInfraEnvs().map((ie) => wire(request, ie)));

  app.get<{ Params: { infra_env_id: string } }>('/v2/infra-envs/:infra_env_id', { schema: { params: infraEnvParams } }, async (request) =>
    wire(request, service.requireInfraEnv(request.params.infra_env_id)),
  );

  // inband extensions: rotations. Agents with the old agent token get 401 from their next request
  // on; URLs with the old download token stop working at once.
  app.post<{ Params: { infra_env_id: string } }>('/v2/infra-envs/:infra_env_id/actions/rotate-agent-token', { schema: { params: infraEnvParams } }, async (request) =>
    wire(request, await service.rotateAgentToken(request.params.infra_env_id)),
  );

  // upstream's GetInfraEnvPresignedFileURL: a URL that needs no header, with the download token in it.
  app.get<{ Params: { infra_env_id: string }; Querystring: { file_name: DiscoveryFileName; ipxe_script_type?: string; agent_source?: string } }>(
    '/v2/infra-envs/:infra_env_id/downloads/files-presigned',
    { schema: { params: infraEnvParams, querystring: presignedFileQuery } },
    async (request) => {
      const infraEnv = service.requireInfraEnv(request.params.infra_env_id);
      const { file_name: fileName, ...extra } = request.query;
      const url = discoveryFileUrl(serviceUrlFor(request, options.publicUrl), infraEnv, fileName, extra as Record<string, string>);
      return { url, ...(infraEnv.downloadTokenExpiresAt && { expires_at: infraEnv.downloadTokenExpiresAt }) };
    },
  );

  app.post<{ Params: { infra_env_id: string }; Body: { valid_for_seconds?: number } | null }>(
    '/v2/infra-envs/:infra_env_id/actions/rotate-download-token',
    { schema: { params: infraEnvParams, body: rotateDownloadTokenBody } },
    async (request) => wire(request, await service.rotateDownloadToken(request.params.infra_env_id, request.body?.valid_for_seconds)),
  );

  app.delete<{ Params: { infra_env_id: string } }>('/v2/infra-envs/:infra_env_id', { schema: { params: infraEnvParams } }, async (request, reply) => {
    await service.deleteInfraEnv(request.params.infra_env_id);
    return reply.code(204).send();
  });

  app.get<{ Params: { infra_env_id: string }; Querystring: { view?: 'full' | 'summary' } }>(
    '/v2/infra-envs/:infra_env_id/hosts',
    { schema: { params: infraEnvParams, querystring: hostListQuery } },
    async (request) => (await service.listHosts(request.params.infra_env_id)).map(request.query.view === 'summary' ? hostSummaryWire : hostWire),
  );

  app.get<{ Params: HostParams }>('/v2/infra-envs/:infra_env_id/hosts/:host_id', { schema: { params: hostParams } }, async (request) =>
    hostWire(await service.requireHost(request.params.infra_env_id, request.params.host_id)),
  );

  app.delete<{ Params: HostParams }>('/v2/infra-envs/:infra_env_id/hosts/:host_id', { schema: { params: hostParams } }, async (request, reply) => {
    await service.deleteHost(request.params.infra_env_id, request.params.host_id);
    return reply.code(204).send();
  });

  // inband extensions (upstream has no infra-env equivalents): step results, logs request and download.
  app.get<{ Params: HostParams }>('/v2/infra-envs/:infra_env_id/hosts/:host_id/step-results', { schema: { params: hostParams } }, async (request) =>
    (await service.stepResults(request.params.infra_env_id, request.params.host_id)).map((r) => ({
      step_id: r.stepId,
      step_type: r.stepType,
      exit_code: r.exitCode,
      output: r.output,
      error: r.error,
      received_at: r.receivedAt,
    })),
  );

  app.post<{ Params: HostParams }>('/v2/infra-envs/:infra_env_id/hosts/:host_id/logs-request', { schema: { params: hostParams } }, async (request, reply) => {
    const host = await service.requestLogs(request.params.infra_env_id, request.params.host_id);
    return reply.code(202).send(hostWire(host));
  });

  app.get<{ Params: HostParams }>('/v2/infra-envs/:infra_env_id/hosts/:host_id/logs', { schema: { params: hostParams } }, async (request, reply) => {
    const { infra_env_id: infraEnvId, host_id: hostId } = request.params;
    await service.requireHost(infraEnvId, hostId);
    const logs = await service.store.getLogs(infraEnvId, hostId);
    if (!logs) throw new HttpError(404, `no logs have been uploaded for host ${hostId}`);
    return reply
      .header('Content-Type', 'application/gzip')
      .header('Content-Disposition', `attachment; filename="logs_host_${hostId}.tar.gz"`)
      .header('Content-Length', String(logs.sizeBytes))
      .send(await service.store.openLogArchive(logs));
  });

  app.get<{ Querystring: { infra_env_id?: string; host_id?: string; limit?: number; offset?: number; order?: 'ascending' | 'descending'; severities?: string[] } }>(
    '/v2/events',
    { schema: { querystring: eventsQuery } },
    async (request) => {
      const q = request.query;
      const severities = q.severities?.flatMap((s) => s.split(',')).filter(Boolean) as EventSeverity[] | undefined;
      const events = await service.listEvents({
        infraEnvId: q.infra_env_id,
        hostId: q.host_id,
        limit: q.limit ?? 5000,
        offset: q.offset,
        order: q.order ?? 'ascending',
        severities,
      });
      return events.map(eventWire);
    },
  );
}
