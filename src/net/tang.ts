import { httpGet, networkErrorText } from './http-get.js';

export interface TangServer {
  url: string;
  thumbprint: string;
}

export interface TangSignature {
  protected?: string;
  signature?: string;
}

export interface TangAdvertisement {
  tang_url: string;
  payload?: string;
  signatures: TangSignature[] | null;
}

/** tang_servers is itself JSON text, as the service stores it on the cluster. */
export function parseTangServers(text: string): TangServer[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new Error('tang_servers must hold a JSON array of {url, thumbprint}');
  return value.map((item) => {
    const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return { url: typeof entry.url === 'string' ? entry.url : '', thumbprint: typeof entry.thumbprint === 'string' ? entry.thumbprint : '' };
  });
}

function advUrl(server: TangServer): string {
  try {
    // Only absolute URLs can be fetched; a bare path would be accepted by Go's parser but fail later anyway.
    new URL(server.url);
  } catch {
    throw new Error(`invalid tang url ${JSON.stringify(server.url)}`);
  }
  if (server.thumbprint === '') throw new Error(`tang server ${server.url} has no thumbprint`);
  return `${server.url.replace(/\/+$/, '')}/adv/${server.thumbprint}`;
}

/** The JWS a tang server advertises, shaped as the service's TangServerResponse. */
export function parseAdvertisement(url: string, body: string): TangAdvertisement {
  if (body.trim() === '') throw new Error(`tang server ${url} returned an empty body`);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error(`tang server ${url} returned a body that is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`tang server ${url} returned JSON that is not an object`);
  const jws = value as Record<string, unknown>;
  const signatures = Array.isArray(jws.signatures)
    ? jws.signatures.map((s) => {
        const sig = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
        return { protected: typeof sig.protected === 'string' ? sig.protected : undefined, signature: typeof sig.signature === 'string' ? sig.signature : undefined };
      })
    : null;
  return { tang_url: url, payload: typeof jws.payload === 'string' ? jws.payload : undefined, signatures };
}

export async function fetchAdvertisement(server: TangServer, signal: AbortSignal): Promise<TangAdvertisement> {
  const url = advUrl(server);
  let response;
  try {
    response = await httpGet(url, { signal, timeoutMs: 30_000 });
  } catch (err) {
    throw new Error(`failed to reach tang server ${server.url}: ${networkErrorText(err)}`);
  }
  if (response.status !== 200) throw new Error(`tang server ${url} returned HTTP status ${response.status}`);
  return parseAdvertisement(server.url, response.body);
}

/** Go's hashicorp/multierror text, which the service shows as is. */
export function multiErrorText(errors: readonly string[]): string {
  const noun = errors.length === 1 ? '1 error occurred' : `${errors.length} errors occurred`;
  return `${noun}:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}
