import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { ConnectionOptions } from 'node:tls';

/**
 * A `postgres://` URL as libpq users write it, turned into what the `pg` pool takes. The TLS
 * parameters are read here, not by `pg`, so that they mean what libpq's documentation says
 * (`pg` reads `sslmode=require` as verify-full unless told otherwise):
 *
 * | sslmode | TLS | certificate chain | host name |
 * |---|---|---|---|
 * | disable | no | – | – |
 * | allow, prefer (libpq's default) | when the server offers it (both try TLS first) | not checked | not checked |
 * | require | yes | checked only when sslrootcert is given (libpq's rule) | not checked |
 * | verify-ca | yes | checked | not checked |
 * | verify-full | yes | checked | checked |
 *
 * `sslrootcert` is a PEM file of trusted CAs (`system`: the system's CAs); `sslcert`/`sslkey` a
 * client certificate. Without sslrootcert, verification uses the system CAs.
 */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresConnection {
  /** The URL without its TLS parameters, for `pg`. */
  connectionString: string;
  sslMode: SslMode;
  /** TLS options for `pg`; false for none. For allow/prefer this is the TLS attempt (see `fallbackToPlain`). */
  ssl: ConnectionOptions | false;
  /** allow/prefer: a server that refuses TLS is used without it, as libpq does. */
  fallbackToPlain: boolean;
  /** The URL with its password replaced, for messages and logs. */
  redacted: string;
}

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const TLS_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword', 'ssl', 'uselibpqcompat', 'sslnegotiation'];

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

export function parseDatabaseUrl(url: string, readFile: (file: string) => string = (f) => readFileSync(f, 'utf8')): PostgresConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError('--database-url is not a URL (expected postgres://user:password@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseUrlError(`--database-url must be a postgres:// URL, got a ${parsed.protocol.replace(/:$/, '')}: URL`);
  }
  const redacted = redact(parsed);
  const params = parsed.searchParams;
  const mode = (params.get('sslmode') ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(mode)) throw new DatabaseUrlError(`sslmode=${JSON.stringify(params.get('sslmode'))} in --database-url: expected one of ${SSL_MODES.join(', ')}`);
  if (params.has('ssl')) throw new DatabaseUrlError('--database-url: use sslmode=… (libpq\'s parameter), not ssl=…');
  const rootCert = params.get('sslrootcert') ?? undefined;
  const clientCert = params.get('sslcert') ?? undefined;
  const clientKey = params.get('sslkey') ?? undefined;
  if (Boolean(clientCert) !== Boolean(clientKey)) throw new DatabaseUrlError('--database-url: sslcert and sslkey go together');
  for (const name of TLS_PARAMS) params.delete(name);

  const read = (what: string, file: string): string => {
    try {
      return readFile(file);
    } catch (error) {
      throw new DatabaseUrlError(`--database-url ${what}=${file}: ${(error as Error).message}`);
    }
  };
  // host=/run/postgresql: a unix socket, where libpq ignores sslmode (there is nothing to encrypt).
  // (A host name never starts with '/', and an encoded path as the host begins with %2F.)
  const viaSocket = (params.get('host') ?? parsed.hostname.replace(/^%2f/i, '/')).startsWith('/');
  let ssl: ConnectionOptions | false = false;
  if (mode !== 'disable' && !viaSocket) {
    const verifyChain = mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && rootCert !== undefined);
    ssl = {
      rejectUnauthorized: verifyChain,
      ...(rootCert !== undefined && rootCert !== 'system' && { ca: read('sslrootcert', rootCert) }),
      ...(clientCert !== undefined && { cert: read('sslcert', clientCert), key: read('sslkey', clientKey as string) }),
      // verify-ca trusts any certificate the CA signed, whatever name it carries.
      ...(mode !== 'verify-full' && { checkServerIdentity: () => undefined }),
    };
  }
  return {
    connectionString: parsed.toString(),
    sslMode: mode,
    ssl,
    fallbackToPlain: !viaSocket && (mode === 'allow' || mode === 'prefer'),
    redacted,
  };
}

/** `--database-pool`'s default: PostgreSQL's rule of thumb, twice the cores plus one, at least 4. */
export function defaultPoolSize(cores = availableParallelism()): number {
  return Math.max(4, Math.min(32, 2 * cores + 1));
}

function redact(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  return copy.toString();
}
