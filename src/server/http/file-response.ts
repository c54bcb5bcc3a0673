import { createReadStream, open as openCallback, type ReadStream } from 'node:fs';
import { promisify } from 'node:util';
import type { FastifyReply, FastifyRequest } from 'fastify';

const openFd = promisify(openCallback);

/**
 * One set of bytes the service sends, read from an open descriptor. The descriptor is opened once:
 * a binary replaced by rename (an upgrade, `make build`) keeps being served as it was hashed until
 * the service restarts, and one rewritten in place is noticed and refused (AgentBinaries.unchanged).
 * Readers get a descriptor of their own on the same file (`reader`): a read stream closes its
 * descriptor when destroyed (a client that hangs up), whatever autoClose says, and the shared
 * one must outlive every download.
 */
export interface FileRepresentation {
  readonly fd: number;
  readonly size: number;
  /** A strong validator: the first 128 bits of the bytes' sha256, quoted. */
  readonly etag: string;
  readonly mtimeMs: number;
  readonly path: string;
}

/**
 * A new descriptor on the file behind `fd` (the same inode, even renamed over or unlinked since),
 * for one reader to close when it is done or destroyed.
 */
export function reader(rep: Pick<FileRepresentation, 'fd'>): Promise<number> {
  return openFd(`/proc/self/fd/${rep.fd}`, 'r');
}

/** A read stream of bytes [start, end] on a descriptor of its own. */
export async function readStream(rep: Pick<FileRepresentation, 'fd'>, start = 0, end?: number, highWaterMark = 1 << 20): Promise<ReadStream> {
  return createReadStream('', { fd: await reader(rep), start, end, highWaterMark });
}

/**
 * Sends a file representation the way download clients expect (RFC 9110): a strong ETag,
 * `If-None-Match` → 304, one `Range` → 206 (or 416), `If-Range` guarding a resumed download, HEAD
 * without a body. The body streams from the open descriptor with backpressure: a slow client holds
 * one buffer, never the file.
 */
export async function sendFileRepresentation(
  request: FastifyRequest,
  reply: FastifyReply,
  rep: FileRepresentation,
  headers: { contentType: string; contentEncoding?: 'gzip'; vary?: string; fileName: string },
): Promise<FastifyReply> {
  reply
    .header('ETag', rep.etag)
    .header('Accept-Ranges', 'bytes')
    // Same URL, new bytes after an upgrade: caches must ask again, and the ETag answers cheaply.
    .header('Cache-Control', 'no-cache')
    .header('Content-Type', headers.contentType)
    .header('Content-Disposition', `attachment; filename="${headers.fileName}"`);
  if (headers.contentEncoding) reply.header('Content-Encoding', headers.contentEncoding);
  if (headers.vary) reply.header('Vary', headers.vary);

  if (matchesAny(request.headers['if-none-match'], rep.etag)) return reply.code(304).send();

  let start = 0;
  let end = rep.size - 1;
  const range = request.headers.range;
  const ifRange = request.headers['if-range'];
  if (typeof range === 'string' && (ifRange === undefined || ifRange === rep.etag)) {
    const parsed = parseRange(range, rep.size);
    if (parsed === 'unsatisfiable') {
      reply.header('Content-Range', `bytes */${rep.size}`);
      return reply.code(416).type('text/plain').send('range not satisfiable\n');
    }
    if (parsed) {
      [start, end] = parsed;
      reply.code(206).header('Content-Range', `bytes ${start}-${end}/${rep.size}`);
    }
  }
  const length = rep.size === 0 ? 0 : end - start + 1;
  reply.header('Content-Length', String(length));
  if (request.method === 'HEAD' || length === 0) return reply.send();
  return reply.send(await readStream(rep, start, end, 64 * 1024));
}

/** `If-None-Match: "a", W/"b"` or `*` (weak comparison, as RFC 9110 asks for this header). */
function matchesAny(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * One byte range: `bytes=a-b`, `bytes=a-`, `bytes=-n`. Several ranges, or a header that is not
 * bytes, are ignored (the whole file is sent), which RFC 9110 allows; a range past the end is 416.
 */
export function parseRange(header: string, size: number): [number, number] | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [first, last] = [match[1] as string, match[2] as string];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}
