import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';
import { gzipSync } from 'node:zlib';

/**
 * The console's built files (build/console.mjs writes them to dist/console/ and embeds each in the
 * single executable as the SEA asset `console/<name>`). A fixed list: a request names one of
 * these or gets 404, so no client string ever becomes a path.
 */
export const CONSOLE_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;

export type ConsoleFileName = keyof typeof CONSOLE_FILES;

export const CONSOLE_ASSET_PREFIX = 'console/';

export interface ConsoleAsset {
  name: ConsoleFileName;
  contentType: string;
  body: Buffer;
  /** Compressed once at start: the console is served from memory. */
  gzip: Buffer;
  /** Strong: the sha256 of the bytes. */
  etag: string;
}

declare const __INBAND_VERSION__: string | undefined;

/** The console's files, in memory. */
export class ConsoleAssets {
  private constructor(private readonly files: Map<string, ConsoleAsset>) {}

  static fromContents(contents: Partial<Record<ConsoleFileName, string | Buffer>>): ConsoleAssets {
    const files = new Map<string, ConsoleAsset>();
    for (const [name, content] of Object.entries(contents) as [ConsoleFileName, string | Buffer][]) {
      const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
      files.set(name, {
        name,
        contentType: CONSOLE_FILES[name],
        body,
        gzip: gzipSync(body, { level: 9 }),
        etag: `"${createHash('sha256').update(body).digest('base64url')}"`,
      });
    }
    return new ConsoleAssets(files);
  }

  /**
   * Where this process finds them: inside the single executable; beside dist/inband.cjs when the
   * bundle runs under node; none when running from source (the console then says it is not built).
   */
  static load(): ConsoleAssets {
    const contents: Partial<Record<ConsoleFileName, Buffer>> = {};
    for (const name of Object.keys(CONSOLE_FILES) as ConsoleFileName[]) {
      try {
        if (sea.isSea()) contents[name] = Buffer.from(sea.getAsset(`${CONSOLE_ASSET_PREFIX}${name}`));
        else if (typeof __INBAND_VERSION__ === 'string') contents[name] = readFileSync(path.join(__dirname, 'console', name));
      } catch {
        // an executable or bundle built without the console: serve without it
      }
    }
    return ConsoleAssets.fromContents(contents);
  }

  get(name: string): ConsoleAsset | undefined {
    return this.files.get(name);
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  /** Total gzip size, as the console is sent to a browser. */
  get gzipBytes(): number {
    let total = 0;
    for (const file of this.files.values()) total += file.gzip.length;
    return total;
  }
}
