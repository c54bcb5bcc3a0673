/**
 * Request schemas, from the upstream swagger definitions of the same names. Fastify validates with
 * them before a handler runs; a failure becomes a 400 with upstream's body.
 */
import { STEP_TYPES } from '../../protocol/step-types.js';

const uuid = { type: 'string', format: 'uuid' } as const;
const MAC_PATTERN = '^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$';

export const infraEnvParams = {
  type: 'object',
  required: ['infra_env_id'],
  properties: { infra_env_id: uuid },
} as const;

export const hostParams = {
  type: 'object',
  required: ['infra_env_id', 'host_id'],
  properties: { infra_env_id: uuid, host_id: uuid },
} as const;

/** `host-create-params` */
export const hostCreateParams = {
  type: 'object',
  required: ['host_id'],
  properties: { host_id: uuid, discovery_agent_version: { type: 'string' } },
} as const;

/** `step-reply` (the body param is not required upstream; an empty body is an empty reply). */
export const stepReply = {
  type: 'object',
  properties: {
    step_type: { type: 'string', enum: [...STEP_TYPES] },
    step_id: { type: 'string' },
    exit_code: { type: 'integer' },
    output: { type: 'string' },
    error: { type: 'string' },
  },
} as const;

export const instructionsQuery = {
  type: 'object',
  properties: { timestamp: { type: 'integer' } },
} as const;

/** `logs-progress-params` */
export const logsProgressParams = {
  type: 'object',
  required: ['logs_state'],
  properties: { logs_state: { type: 'string', enum: ['requested', 'collecting', 'completed', 'timeout', ''] } },
} as const;

export const uploadLogsQuery = {
  type: 'object',
  required: ['logs_type'],
  properties: {
    logs_type: { type: 'string', enum: ['host', 'controller', 'all', ''] },
    host_id: uuid,
    infra_env_id: uuid,
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

/** `infra-env-create-params`, plus inband's discovery settings. Unknown upstream fields are accepted and ignored. */
export const infraEnvCreateParams = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    pull_secret: { type: 'string' },
    ssh_authorized_key: nullableString,
    ntp_sources: nullableString,
    additional_ntp_sources: nullableString,
    cpu_architecture: { type: 'string', enum: ['x86_64', 'aarch64', 'arm64', 'ppc64le', 's390x'] },
    proxy: {
      type: 'object',
      properties: { http_proxy: nullableString, https_proxy: nullableString, no_proxy: nullableString },
    },
    domains_to_resolve: {
      type: 'array',
      maxItems: 64,
      items: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9*_]([A-Za-z0-9_.-]*[A-Za-z0-9])?\\.?$' },
    },
    api_vip_url: { type: 'string', pattern: '^https?://' },
    dhcp_allocation: {
      type: 'object',
      required: ['interface', 'api_vip_mac', 'ingress_vip_mac'],
      properties: {
        interface: { type: 'string', minLength: 1, maxLength: 15 },
        api_vip_mac: { type: 'string', pattern: MAC_PATTERN },
        ingress_vip_mac: { type: 'string', pattern: MAC_PATTERN },
      },
    },
  },
} as const;

export const eventsQuery = {
  type: 'object',
  properties: {
    infra_env_id: uuid,
    host_id: uuid,
    cluster_id: uuid,
    limit: { type: 'integer', minimum: 0, maximum: 10000 },
    offset: { type: 'integer', minimum: 0 },
    order: { type: 'string', enum: ['ascending', 'descending'] },
    // Upstream's client sends a csv list; repeated parameters work too.
    severities: { type: 'array', items: { type: 'string', pattern: '^(info|warning|error|critical)(,(info|warning|error|critical))*$' } },
  },
} as const;
