import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { ExitError } from '../errors.js';

export interface TlsOptions {
  /** PEM file whose certificates are trusted in addition to the system's. */
  cacertPath?: string;
  insecure?: boolean;
}

/** Where distributions keep the system trust store (Debian/Ubuntu, RHEL/Fedora, SUSE, Alpine). */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

function systemCertificates(): string[] {
  for (const file of SYSTEM_BUNDLES) {
    try {
      return [readFileSync(file, 'utf8')];
    } catch {
      // try the next location
    }
  }
  return [...rootCertificates];
}

function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ExitError(`--cacert ${file}: ${(err as Error).message}`, 2);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ExitError(`--cacert ${file}: no PEM certificate found in the file`, 2);
  }
  return pem;
}

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];

/**
 * The dispatcher for all requests to the service: the system trust store plus --cacert (added, not
 * replacing, as upstream since MGMT-20868), or no verification with --insecure; HTTP(S)_PROXY and
 * NO_PROXY from the environment, upper or lower case.
 */
export function createDispatcher(tls: TlsOptions, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const connect = tls.insecure
    ? { rejectUnauthorized: false }
    : { ca: tls.cacertPath ? [...systemCertificates(), readCaFile(tls.cacertPath)] : systemCertificates() };
  const options = { connect, connectTimeout: 30_000, keepAliveTimeout: 30_000 };
  if (PROXY_VARS.some((name) => env[name])) {
    // requestTls reaches the ProxyAgent that EnvHttpProxyAgent builds from the same options (TLS through the tunnel).
    return new EnvHttpProxyAgent({
      ...options,
      httpProxy: env.HTTP_PROXY ?? env.http_proxy,
      httpsProxy: env.HTTPS_PROXY ?? env.https_proxy,
      noProxy: env.NO_PROXY ?? env.no_proxy,
      requestTls: connect,
    } as EnvHttpProxyAgent.Options);
  }
  return new Agent(options);
}
