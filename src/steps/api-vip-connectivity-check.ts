import { encodeGoJson } from '../inventory/go-json.js';
import { httpGet, networkErrorText } from '../net/http-get.js';
import { decodeCaCertificate, encodeIgnition, filterIgnition, parseIgnition } from '../net/ignition.js';
import { FieldChecks, singleJsonObject } from './args.js';
import { ok, type StepModule } from './types.js';

export interface ApiVipArgs {
  url: string;
  caCertificate?: string;
  token?: string;
  headers: { key: string; value: string }[];
}

/** The reply's error on every failed download, which the service matches on; the cause goes to download_error. */
export const DOWNLOAD_ERROR = 'ignition download error';
const ACCEPT = 'application/vnd.coreos.ignition+json; version=3.2.0';

function parseArgs(args: readonly string[]): ApiVipArgs {
  const body = singleJsonObject(args, 'APIVipConnectivityRequest');
  const checks = new FieldChecks();
  const url = checks.string(body, 'url', { required: true });
  checks.boolean(body, 'verify_cidr');
  const caCertificate = checks.string(body, 'ca_certificate');
  const token = checks.string(body, 'ignition_endpoint_token');
  const headers: { key: string; value: string }[] = [];
  const raw = body.request_headers;
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw)) checks.add('request_headers in body must be of type array: "' + typeof raw + '"');
    else
      raw.forEach((item, i) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) return checks.add(`request_headers.${i} in body must be of type object`);
        const key = checks.string(item as Record<string, unknown>, 'key');
        const value = checks.string(item as Record<string, unknown>, 'value');
        if (key) headers.push({ key, value: value ?? '' });
      });
  }
  checks.done();
  return { url: url as string, caCertificate: caCertificate || undefined, token: token || undefined, headers };
}

async function download(args: ApiVipArgs, signal: AbortSignal): Promise<string> {
  const headers: Record<string, string> = { Accept: ACCEPT };
  if (args.token) headers.Authorization = `Bearer ${args.token}`;
  for (const { key, value } of args.headers) headers[key] = value;
  const caPem = args.caCertificate ? decodeCaCertificate(args.caCertificate) : undefined;
  let response;
  try {
    response = await httpGet(args.url, { headers, caPem, signal });
  } catch (err) {
    throw new Error(`failed to download ignition from ${args.url}: ${networkErrorText(err)}`);
  }
  if (response.status < 200 || response.status > 299) throw new Error(`ignition download from ${args.url} returned HTTP status ${response.status}`);
  return encodeIgnition(filterIgnition(parseIgnition(response.body)));
}

/**
 * Fetches the worker ignition through the API VIP. A failed download is a finding, not a failed
 * step: the reply keeps exit code 0, with is_success unset and the fixed error text.
 */
const apiVipConnectivityCheck: StepModule<ApiVipArgs> = {
  type: 'api-vip-connectivity-check',
  timeoutMs: 5 * 60_000,
  parseArgs,
  async run(args, ctx) {
    try {
      const ignition = await download(args, ctx.signal);
      return ok(encodeGoJson({ url: args.url, is_success: true, ignition }));
    } catch (err) {
      const reason = (err as Error).message;
      ctx.log.warn(`api-vip-connectivity-check: ${reason}`);
      return ok(encodeGoJson({ url: args.url, is_success: false, download_error: reason }), DOWNLOAD_ERROR);
    }
  },
};

export default apiVipConnectivityCheck;
