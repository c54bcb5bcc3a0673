import type { FastifyInstance } from 'fastify';
import type { AgentBinaries, AgentBinary } from '../boot/agent-binaries.js';
import { canonicalArchitecture } from '../boot/elf.js';
import { agentBinaryPath, type AgentBinaryFile } from '../boot/discovery-files.js';
import { serviceUrlFor } from '../boot/service-url.js';
import { HttpError } from '../errors.js';
import { sendFileRepresentation } from '../http/file-response.js';
import { agentBinaryParams } from './schemas.js';

/** The wire form of one served binary (inband extension; the console lists these). */
export function agentBinaryWire(binary: AgentBinary, serviceUrl: string): Record<string, unknown> {
  const arch = binary.cpuArchitecture;
  return {
    cpu_architecture: arch,
    size_bytes: binary.identity.size,
    sha256: binary.sha256,
    sha512: binary.sha512,
    url: `${serviceUrl}${agentBinaryPath(arch)}`,
    gzip_url: `${serviceUrl}${agentBinaryPath(arch, 'inband.gz')}`,
    sha256_url: `${serviceUrl}${agentBinaryPath(arch, 'inband.sha256')}`,
    sha512_url: `${serviceUrl}${agentBinaryPath(arch, 'inband.sha512')}`,
  };
}

/**
 * The agent executable at a stable path, with no authentication: it is the same build anyone can
 * get, holds no secret, and a discovery host has nothing to authenticate with yet. `inband`
 * honours Accept-Encoding (curl --compressed); `inband.gz` is the gzip file itself, for Ignition's
 * `compression: gzip` (Go's HTTP client would undo a Content-Encoding before Ignition saw it).
 */
export async function agentBinaryRoutes(app: FastifyInstance, options: { binaries?: AgentBinaries; publicUrl?: string }): Promise<void> {
  const { binaries } = options;

  app.get('/v2/agent-binaries', async (request) => {
    const serviceUrl = serviceUrlFor(request, options.publicUrl);
    return (binaries?.list() ?? []).map((binary) => agentBinaryWire(binary, serviceUrl));
  });

  app.route<{ Params: { cpu_architecture: string; file_name: AgentBinaryFile } }>({
    method: ['GET', 'HEAD'],
    url: '/v2/agent-binaries/:cpu_architecture/:file_name',
    schema: { params: agentBinaryParams },
    // exposeHeadRoutes would answer HEAD by running GET and dropping a stream it opened.
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const arch = canonicalArchitecture(request.params.cpu_architecture);
      const binary = binaries?.forArchitecture(arch);
      if (!binary) throw new HttpError(404, `this service serves no ${arch} agent binary`);
      const file = request.params.file_name;
      if (file === 'inband.sha256' || file === 'inband.sha512') {
        // sha256sum/sha512sum --check format.
        return reply.header('Content-Type', 'text/plain; charset=utf-8').header('Cache-Control', 'no-cache').send(`${file === 'inband.sha256' ? binary.sha256 : binary.sha512}  inband\n`);
      }
      const gzipWanted = file === 'inband.gz' || acceptsGzip(request.headers['accept-encoding']);
      const rep = gzipWanted ? await binary.gzip() : binary.identity;
      if (!(await binaries?.unchanged(rep))) {
        throw new HttpError(503, `the ${arch} agent binary ${binary.identity.path} changed on disk since the service hashed it; restart the service to serve the new build`);
      }
      if (file === 'inband.gz') return sendFileRepresentation(request, reply, rep, { contentType: 'application/gzip', fileName: 'inband.gz' });
      return sendFileRepresentation(request, reply, rep, {
        contentType: 'application/octet-stream',
        fileName: 'inband',
        vary: 'Accept-Encoding',
        ...(gzipWanted && { contentEncoding: 'gzip' as const }),
      });
    },
  });
}

/** `Accept-Encoding` names gzip with a q-value above 0. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip' && coding?.trim() !== '*') return false;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return q === undefined || Number(q) > 0;
  });
}
