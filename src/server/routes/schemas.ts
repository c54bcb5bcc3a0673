/**
 * Request schemas, from the upstream swagger definitions of the same names. Fastify validates with
 * them before a handler runs; a failure becomes a 400 with upstream's body.
 */
import { STEP_TYPES } from '../../protocol/step-types.js';
import { MAX_EXACT_INTEGER, OPERATOR_FIELD_LIMITS } from '../limits.js';
import { AGENT_BINARY_FILES, AGENT_SOURCES, DISCOVERY_FILE_NAMES } from '../boot/discovery-files.js';

const uuid = { type: 'string', format: 'uuid' } as const;
/** Go's int64, as far as a JSON number keeps it exactly (see MAX_EXACT_INTEGER). */
const int64 = { type: 'integer', minimum: -MAX_EXACT_INTEGER, maximum: MAX_EXACT_INTEGER } as const;
/** One line of text: nothing that could end a configuration line or rewrite a terminal. */
const NO_CONTROLS = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';
const line = (maxLength: number) => ({ type: 'string', maxLength, pattern: NO_CONTROLS }) as const;
const MAC_PATTERN = '^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$';

export const infraEnvParams = {
  type: 'object',
  required: ['infra_env_id'],
  properties: { infra_env_id: uuid },
} as const;

export const clusterParams = {
  type: 'object',
  required: ['cluster_id'],
  properties: { cluster_id: uuid },
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
  properties: { host_id: uuid, discovery_agent_version: line(1024) },
} as const;

/** `step-reply` (the body param is not required upstream; an empty body is an empty reply). */
export const stepReply = {
  type: 'object',
  properties: {
    step_type: { type: 'string', enum: [...STEP_TYPES] },
    step_id: line(256),
    exit_code: int64,
    output: { type: 'string' },
    error: { type: 'string' },
  },
} as const;

export const instructionsQuery = {
  type: 'object',
  properties: { timestamp: int64 },
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

/** Comma-separated host names and addresses, as chronyc and the ntp-synchronizer step take them. */
const ntpList = { type: ['string', 'null'], maxLength: OPERATOR_FIELD_LIMITS.ntpSources, pattern: '^[A-Za-z0-9.:,_\\[\\]% -]*$' } as const;
const url = (maxLength: number) => ({ type: 'string', maxLength, pattern: '^https?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$' }) as const;
const nullableUrl = (maxLength: number) => ({ type: ['string', 'null'], maxLength, pattern: '^(https?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+)?$' }) as const;

/** `infra-env-create-params`, plus inband's discovery settings. Unknown upstream fields are accepted and ignored. */
export const infraEnvCreateParams = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { ...line(OPERATOR_FIELD_LIMITS.name), minLength: 1 },
    pull_secret: { type: 'string', maxLength: OPERATOR_FIELD_LIMITS.pullSecret },
    // authorized_keys holds one key per line; other control characters have no place in it.
    ssh_authorized_key: { type: ['string', 'null'], maxLength: OPERATOR_FIELD_LIMITS.sshKey, pattern: '^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f]*$' },
    ntp_sources: ntpList,
    additional_ntp_sources: ntpList,
    cpu_architecture: { type: 'string', enum: ['x86_64', 'aarch64', 'arm64', 'ppc64le', 's390x'] },
    proxy: {
      type: 'object',
      properties: {
        http_proxy: nullableUrl(OPERATOR_FIELD_LIMITS.proxyUrl),
        https_proxy: nullableUrl(OPERATOR_FIELD_LIMITS.proxyUrl),
        no_proxy: { type: ['string', 'null'], maxLength: OPERATOR_FIELD_LIMITS.noProxy, pattern: '^[A-Za-z0-9.:,_/*\\[\\] -]*$' },
      },
    },
    domains_to_resolve: {
      type: 'array',
      maxItems: OPERATOR_FIELD_LIMITS.domains,
      items: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9*_]([A-Za-z0-9_.-]*[A-Za-z0-9])?\\.?$' },
    },
    api_vip_url: url(OPERATOR_FIELD_LIMITS.url),
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

/** inband extension: `view=summary` leaves out the large JSON fields (src/server/host-summary.ts). */
export const hostListQuery = {
  type: 'object',
  properties: { view: { type: 'string', enum: ['full', 'summary'] } },
} as const;

export const eventsQuery = {
  type: 'object',
  properties: {
    infra_env_id: uuid,
    host_id: uuid,
    cluster_id: uuid,
    limit: { type: 'integer', minimum: 0, maximum: 10000 },
    offset: { ...int64, minimum: 0 },
    order: { type: 'string', enum: ['ascending', 'descending'] },
    // Upstream's client sends a csv list; repeated parameters work too.
    severities: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 64, pattern: '^(info|warning|error|critical)(,(info|warning|error|critical))*$' } },
  },
} as const;

/** v2DownloadInfraEnvFiles' query (upstream's enums), plus inband's `cloud-init` and `agent_source`. */
export const downloadFilesQuery = {
  type: 'object',
  required: ['file_name'],
  properties: {
    file_name: { type: 'string', enum: [...DISCOVERY_FILE_NAMES] },
    mac: { type: 'string', pattern: MAC_PATTERN },
    ipxe_script_type: { type: 'string', enum: ['discovery-image-always', 'boot-order-control'] },
    discovery_iso_type: { type: 'string', enum: ['full-iso', 'minimal-iso', 'disconnected-iso'] },
    agent_source: { type: 'string', enum: [...AGENT_SOURCES] },
    api_key: { type: 'string', maxLength: 256 },
  },
} as const;

/** GetInfraEnvPresignedFileURL's query (upstream names discovery.ign and ipxe-script; cloud-init is inband's). */
export const presignedFileQuery = {
  type: 'object',
  required: ['file_name'],
  properties: {
    file_name: { type: 'string', enum: ['discovery.ign', 'ipxe-script', 'cloud-init'] },
    ipxe_script_type: { type: 'string', enum: ['discovery-image-always', 'boot-order-control'] },
    agent_source: { type: 'string', enum: [...AGENT_SOURCES] },
  },
} as const;

/** inband: a new download token, valid until rotated again or for this long. */
export const rotateDownloadTokenBody = {
  type: ['object', 'null'],
  properties: { valid_for_seconds: { type: 'integer', minimum: 60, maximum: 366 * 24 * 3600 } },
} as const;

export const agentBinaryParams = {
  type: 'object',
  required: ['cpu_architecture', 'file_name'],
  properties: {
    cpu_architecture: { type: 'string', enum: ['x86_64', 'aarch64', 'arm64', 'ppc64le', 's390x'] },
    file_name: { type: 'string', enum: [...AGENT_BINARY_FILES] },
  },
} as const;
