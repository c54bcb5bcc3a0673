import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';

/**
 * Logs archives as rows of at most about `CHUNK_BYTES` each (log_chunks), so that any replica
 * serves a download and no process holds an archive whole: an upload is written chunk by chunk
 * as it arrives (the sink's back-pressure is the database's speed), a download read chunk by
 * chunk as the client takes it.
 */
export const CHUNK_BYTES = 1024 * 1024;

/** The path a logs record carries for an archive in the database. */
const PATH_PREFIX = 'postgres:log_archives/';

export function archivePath(archiveId: string): string {
  return `${PATH_PREFIX}${archiveId}`;
}

/** The archive id a logs record's path names; undefined for a file path. */
export function archiveIdOf(path: string): string | undefined {
  return path.startsWith(PATH_PREFIX) ? path.slice(PATH_PREFIX.length) : undefined;
}

export function newArchiveId(): string {
  return randomUUID();
}

export type Query = (sql: string, params: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/** Collects written bytes into chunks and inserts each one before taking more. */
export class ChunkSink extends Writable {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private next = 0;
  written = 0;

  constructor(
    private readonly archiveId: string,
    private readonly query: Query,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < CHUNK_BYTES) return callback();
    this.insertPending().then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.insertPending().then(() => callback(), callback);
  }

  private async insertPending(): Promise<void> {
    while (this.pendingBytes > 0) {
      const all = Buffer.concat(this.pending, this.pendingBytes);
      const data = all.subarray(0, CHUNK_BYTES);
      const rest = all.subarray(data.length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      await this.query('INSERT INTO log_chunks (archive_id, n, data) VALUES ($1, $2, $3)', [this.archiveId, this.next, data]);
      this.next += 1;
      this.written += data.length;
      // A remainder under a chunk waits for more bytes (or the end).
      if (this.pendingBytes < CHUNK_BYTES && !this.writableEnded) return;
    }
  }
}

/** The archive's chunks in order, each read when the consumer wants more. */
export function chunkSource(archiveId: string, query: Query): Readable {
  return Readable.from(
    (async function* () {
      for (let n = 0; ; n++) {
        const { rows } = await query('SELECT data FROM log_chunks WHERE archive_id = $1 AND n = $2', [archiveId, n]);
        const row = rows[0];
        if (!row) return;
        yield row.data as Buffer;
      }
    })(),
    { objectMode: false },
  );
}
