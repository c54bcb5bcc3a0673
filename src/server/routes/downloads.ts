import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkDownload, checkOperator, type AuthConfig } from '../auth.js';
import { discoveryFileUrl, type DiscoveryFileName, type DiscoveryFileQuery, type DiscoveryFiles } from '../boot/discovery-files.js';
import { serviceUrlFor } from '../boot/service-url.js';
import type { DiscoveryService } from '../discovery-service.js';
import { downloadFilesQuery, infraEnvParams, presignedFileQuery } from './schemas.js';

type InfraEnvRequest = FastifyRequest<{ Params: { infra_env_id: string } }>;

/**
 * Discovery files on upstream's paths: `downloads/files` (operator token, or the download token as
 * `api_key`) and `downloads/files-presigned` (operator: the URL with the download token in it).
 */
export async function downloadRoutes(app: FastifyInstance, options: { service: DiscoveryService; auth: AuthConfig; files: DiscoveryFiles }): Promise<void> {
  const { service, auth, files } = options;

  // Checked on arrival, before the query is validated: an unknown caller learns nothing but 401.
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const infraEnv = service.requireInfraEnv((request as InfraEnvRequest).params.infra_env_id);
    checkDownload(auth, request, infraEnv, service.clock());
  };

  app.get<{ Params: { infra_env_id: string }; Querystring: DiscoveryFileQuery & { api_key?: string } }>(
    '/v2/infra-envs/:infra_env_id/downloads/files',
    { schema: { params: infraEnvParams, querystring: downloadFilesQuery }, onRequest: authenticate },
    async (request, reply) => {
      const infraEnv = service.requireInfraEnv(request.params.infra_env_id);
      const file = files.render(infraEnv, serviceUrlFor(request, files.options.publicUrl), request.query);
      return reply
        .header('Content-Type', 'application/octet-stream')
        .header('Content-Disposition', `attachment; filename="${file.fileName}"`)
        // They hold the agent token: no cache keeps a copy.
        .header('Cache-Control', 'no-store')
        .send(file.body);
    },
  );

  app.get<{ Params: { infra_env_id: string }; Querystring: { file_name: DiscoveryFileName; ipxe_script_type?: string; agent_source?: string } }>(
    '/v2/infra-envs/:infra_env_id/downloads/files-presigned',
    { schema: { params: infraEnvParams, querystring: presignedFileQuery }, onRequest: async (request) => checkOperator(auth, request) },
    async (request) => {
      const infraEnv = service.requireInfraEnv(request.params.infra_env_id);
      const { file_name: fileName, ...extra } = request.query;
      const url = discoveryFileUrl(serviceUrlFor(request, files.options.publicUrl), infraEnv, fileName, extra as Record<string, string>);
      return { url, ...(infraEnv.downloadTokenExpiresAt && { expires_at: infraEnv.downloadTokenExpiresAt }) };
    },
  );
}
