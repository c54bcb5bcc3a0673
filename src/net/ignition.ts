/**
 * The worker-ignition check of a day-2 host: is what the API VIP serves an ignition config this
 * agent's Ignition generation can read (spec 3.0 – 3.2), and which small part of it does the service
 * need back.
 */

/** Non-JSON bodies are quoted in the error up to this many bytes, as upstream does. */
export const QUOTED_BODY_LIMIT = 512;

/** The only files the service reads from the ignition; everything else is dropped to keep replies small. */
export const KEPT_FILES: readonly string[] = [
  '/etc/kubernetes/manifests/coredns.yaml',
  '/etc/kubernetes/manifests/keepalived.yaml',
  '/etc/kubernetes/kubeconfig',
];

/** Ignition's v3.2 "compatible version" parser accepts these and translates them up to 3.2.0. */
const COMPATIBLE_VERSIONS = new Set(['3.0.0', '3.1.0', '3.2.0']);
const TARGET_VERSION = '3.2.0';

export class IgnitionError extends Error {}

export function quoteBody(body: string): string {
  const bytes = Buffer.from(body, 'utf8');
  const shown = bytes.length > QUOTED_BODY_LIMIT ? bytes.subarray(0, QUOTED_BODY_LIMIT).toString('utf8') : body;
  return JSON.stringify(shown);
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks an ignition body; throws IgnitionError with the reason otherwise. */
export function parseIgnition(body: string): JsonObject {
  if (body.trim() === '') throw new IgnitionError('ignition config is empty');
  let config: unknown;
  try {
    config = JSON.parse(body);
  } catch {
    throw new IgnitionError(`ignition config is not valid JSON: ${quoteBody(body)}`);
  }
  if (!isObject(config)) throw new IgnitionError(`ignition config is not a JSON object: ${quoteBody(body)}`);
  const ignition = config.ignition;
  const version = isObject(ignition) ? ignition.version : undefined;
  if (typeof version !== 'string' || version === '') throw new IgnitionError('ignition config has no ignition.version');
  if (!COMPATIBLE_VERSIONS.has(version)) throw new IgnitionError(`unsupported ignition config version ${version}`);
  return config;
}

/**
 * The config as the service gets it: only KEPT_FILES of storage.files, no systemd units, LUKS and
 * the rest untouched, and the version of the spec it was read as.
 */
export function filterIgnition(config: JsonObject): JsonObject {
  const out: JsonObject = { ...config, ignition: { ...(config.ignition as JsonObject), version: TARGET_VERSION } };
  if (isObject(config.storage)) {
    const storage: JsonObject = { ...config.storage };
    const files = Array.isArray(storage.files) ? storage.files.filter((f) => isObject(f) && KEPT_FILES.includes(f.path as string)) : [];
    if (files.length > 0) storage.files = files;
    else delete storage.files;
    out.storage = storage;
  }
  if (isObject(config.systemd)) {
    const systemd: JsonObject = { ...config.systemd };
    delete systemd.units;
    out.systemd = systemd;
  }
  return out;
}

/** Encodes as Go's encoding/json would, which escapes <, > and & even inside strings. */
export function encodeIgnition(config: JsonObject): string {
  return JSON.stringify(config).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * ca_certificate travels base64-encoded (upstream decodes it before use); PEM text is accepted as it
 * is too, so a hand-written request works.
 */
export function decodeCaCertificate(value: string): string {
  const text = value.includes('-----BEGIN') ? value : Buffer.from(value, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new IgnitionError('ca_certificate holds no PEM certificate');
  return text;
}
