/** Format checks for swagger `format:` values, with go-openapi's semantics. */

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const MAC_RE = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;
/** `next_step_cmd_request.agent_version` and other image references. */
export const IMAGE_REF_RE = /^(([a-zA-Z0-9\-.]+)(:[0-9]+)?\/)?[a-z0-9._\-/@]+[?::a-zA-Z0-9_\-.]+$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

export function isMac(value: unknown): value is string {
  return typeof value === 'string' && MAC_RE.test(value);
}
