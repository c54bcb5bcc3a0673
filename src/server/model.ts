/**
 * What the bundled service stores. Field names are ours (camelCase); the routes turn records into
 * upstream's wire models (`infra-env`, `host`, `event`) in src/server/wire.ts.
 */

export interface DhcpAllocationSettings {
  /** The interface on the hosts that carries the machine network, e.g. "eth0". */
  interface: string;
  apiVipMac: string;
  ingressVipMac: string;
}

/**
 * An infra-env's secrets. The store keeps them in columns of their own, so a rotation is one
 * update that no other write of the infra-env can undo.
 */
export interface InfraEnvTokens {
  /** The agent token hosts of this infra-env present as X-Secret-Key. */
  agentToken: string;
  /** When the agent token was last replaced; agents refused with an older one are told so. */
  agentTokenRotatedAt?: string;
  /**
   * Lets a discovery host (or iPXE, which cannot send headers) fetch this infra-env's discovery
   * files as `?api_key=` (upstream's urlAuth). The files hold the agent token, so this is a secret too.
   */
  downloadToken: string;
  /** After this the download token is refused; absent means it is valid until rotated. */
  downloadTokenExpiresAt?: string;
}

export interface InfraEnvRecord extends InfraEnvTokens {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  pullSecretSet: boolean;
  cpuArchitecture: string;
  sshAuthorizedKey?: string;
  proxy?: { http_proxy?: string | null; https_proxy?: string | null; no_proxy?: string | null };
  /** Upstream's two NTP fields: the only sources, or sources added to the defaults. Comma-separated. */
  ntpSources?: string;
  additionalNtpSources?: string;
  /** inband extensions: names every host must resolve, an ignition URL reached through the API VIP, DHCP for the VIPs. */
  domainsToResolve: string[];
  apiVipUrl?: string;
  dhcpAllocation?: DhcpAllocationSettings;
}

/** The infra-env subset of upstream's host statuses. */
export type HostStatus = 'discovering' | 'known' | 'insufficient' | 'disconnected';

export type ValidationStatus = 'success' | 'failure' | 'pending' | 'error' | 'disabled';

export interface Validation {
  /** An upstream `host-validation-id`, e.g. "has-min-cpu-cores". */
  id: string;
  status: ValidationStatus;
  message: string;
}

/** Upstream's `validations_info` object: categories to validations. */
export interface ValidationsInfo {
  hardware: Validation[];
  network: Validation[];
  operators?: Validation[];
}

export type LogsState = 'requested' | 'collecting' | 'completed' | 'timeout' | '';

export interface HostRecord {
  id: string;
  infraEnvId: string;
  status: HostStatus;
  statusInfo: string;
  statusUpdatedAt: string;
  createdAt: string;
  updatedAt: string;
  registeredAt: string;
  /** The last GET of instructions: the only heartbeat. */
  checkedInAt: string;
  /** The host's clock, in Unix seconds, from the last poll's ?timestamp=. */
  timestamp?: number;
  /**
   * Upstream's media_status: a step reply with exit code 256 means the discovery media went away;
   * the host stays disconnected until a step succeeds again. Absent means connected.
   */
  mediaStatus?: 'connected' | 'disconnected';
  discoveryAgentVersion?: string;
  /** Step outputs, stored as the JSON strings upstream's host model carries. */
  inventory?: string;
  connectivity?: string;
  freeAddresses?: string;
  ntpSources?: string;
  domainNameResolutions?: string;
  apiVipConnectivity?: string;
  tangConnectivity?: string;
  /** JSON of upstream's dhcp_allocation_response, when the step ran. */
  dhcpAllocation?: string;
  validationsInfo?: ValidationsInfo;
  /** The last error text per step type, for operators (a failed step is not a validation failure by itself). */
  stepErrors: Record<string, string>;
  requestedHostname?: string;
  logsInfo: LogsState;
  logsStartedAt?: string;
  logsCollectedAt?: string;
  /** Set by an operator's logs request; cleared when logs arrive. */
  logsRequested: boolean;
}

export interface StepResultRecord {
  infraEnvId: string;
  hostId: string;
  stepId: string;
  stepType: string;
  exitCode: number;
  output: string;
  error: string;
  receivedAt: string;
}

export type EventSeverity = 'info' | 'warning' | 'error' | 'critical';

export interface EventRecord {
  /** Assigned by the store, increasing. */
  seq?: number;
  name: string;
  infraEnvId?: string;
  hostId?: string;
  severity: EventSeverity;
  message: string;
  eventTime: string;
  requestId?: string;
  props?: string;
}

export interface EventFilter {
  infraEnvId?: string;
  hostId?: string;
  severities?: EventSeverity[];
  limit?: number;
  offset?: number;
  order?: 'ascending' | 'descending';
}

export interface LogsRecord {
  infraEnvId: string;
  hostId: string;
  /** Where the uploaded archive is, inside the data directory. */
  path: string;
  sizeBytes: number;
  uploadedAt: string;
}
