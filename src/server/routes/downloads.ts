import type { FastifyInstance } from 'fastify';
import { checkDownload, type AuthConfig } from '../auth.js';
import type { DiscoveryFileQuery, DiscoveryFiles } from '../boot/discovery-files.js';
import { serviceUrlFor } from '../boot/service-url.js';
import type { DiscoveryService } from '../discovery-service.js';
import { downloadFilesQuery, infraEnvParams } from './schemas.js';

/**
 * Discovery files on upstream's path (v2DownloadInfraEnvFiles): the operator token, or the
 * infra-env's download token as `api_key`. The presigned URL is an operator call (operator.ts).
 */
export async function downloadRoutes(app: FastifyInstance, options: { service: DiscoveryService; auth: AuthConfig; files: DiscoveryFiles }): Promise<void> {
  const { service, auth, files } = options;
  // On arrival, before the query is validated: an unknown caller learns nothing but 401.
  app.addHook('onRequest', async (request) => checkDownload(auth, request, (id) => service.infraEnv(id), service.clock()));

  app.get<{ Params: { infra_env_id: string }; Querystring: DiscoveryFileQuery & { api_key?: string } }>(
    '/v2/infra-envs/:infra_env_id/downloads/files',
    { schema: { params: infraEnvParams, querystring: downloadFilesQuery } },
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
}
