/**
 * Records → upstream wire models (`infra-env`, `host`, `event`). Scalars that are empty are left
 * out, as go-swagger's omitempty leaves them out; JSON-in-a-string fields stay strings.
 */
import { API_BASE_PATH } from '../client/service-client.js';
import { discoveryFileUrl } from './boot/discovery-files.js';
import type { EventRecord, HostRecord, InfraEnvRecord } from './model.js';

type Wire = Record<string, unknown>;

function compact(object: Wire): Wire {
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined || value === '' || value === null) delete object[key];
  }
  return object;
}

export function infraEnvHref(id: string): string {
  return `${API_BASE_PATH}/v2/infra-envs/${id}`;
}

export function hostHref(infraEnvId: string, hostId: string): string {
  return `${infraEnvHref(infraEnvId)}/hosts/${hostId}`;
}

/**
 * `infra-env`, plus inband's extensions: the discovery settings, the agent and download tokens
 * (only the operator API returns infra-envs, and operators hand them to their hosts) and, given
 * the URL hosts reach the service at, the URLs of the discovery files with the download token.
 */
export function infraEnvWire(infraEnv: InfraEnvRecord, serviceUrl?: string): Wire {
  return compact({
    kind: 'InfraEnv',
    id: infraEnv.id,
    href: infraEnvHref(infraEnv.id),
    name: infraEnv.name,
    type: 'full-iso',
    created_at: infraEnv.createdAt,
    updated_at: infraEnv.updatedAt,
    cpu_architecture: infraEnv.cpuArchitecture,
    pull_secret_set: infraEnv.pullSecretSet || undefined,
    ssh_authorized_key: infraEnv.sshAuthorizedKey,
    proxy: infraEnv.proxy,
    ntp_sources: infraEnv.ntpSources,
    additional_ntp_sources: infraEnv.additionalNtpSources,
    domains_to_resolve: infraEnv.domainsToResolve.length > 0 ? infraEnv.domainsToResolve : undefined,
    api_vip_url: infraEnv.apiVipUrl,
    dhcp_allocation: infraEnv.dhcpAllocation
      ? {
          interface: infraEnv.dhcpAllocation.interface,
          api_vip_mac: infraEnv.dhcpAllocation.apiVipMac,
          ingress_vip_mac: infraEnv.dhcpAllocation.ingressVipMac,
        }
      : undefined,
    agent_token: infraEnv.agentToken,
    agent_token_rotated_at: infraEnv.agentTokenRotatedAt,
    download_token: infraEnv.downloadToken,
    download_token_expires_at: infraEnv.downloadTokenExpiresAt,
    discovery_urls: serviceUrl
      ? {
          ignition: discoveryFileUrl(serviceUrl, infraEnv, 'discovery.ign'),
          cloud_init: discoveryFileUrl(serviceUrl, infraEnv, 'cloud-init'),
          ipxe_script: discoveryFileUrl(serviceUrl, infraEnv, 'ipxe-script'),
        }
      : undefined,
  });
}

/** `host`. The service keeps no cluster, so every host is an unbound infra-env host with role auto-assign. */
export function hostWire(host: HostRecord): Wire {
  return compact({
    kind: 'Host',
    id: host.id,
    href: hostHref(host.infraEnvId, host.id),
    infra_env_id: host.infraEnvId,
    status: host.status,
    status_info: host.statusInfo,
    status_updated_at: host.statusUpdatedAt,
    validations_info: host.validationsInfo ? JSON.stringify(host.validationsInfo) : undefined,
    inventory: host.inventory,
    connectivity: host.connectivity,
    free_addresses: host.freeAddresses,
    ntp_sources: host.ntpSources,
    domain_name_resolutions: host.domainNameResolutions,
    api_vip_connectivity: host.apiVipConnectivity,
    tang_connectivity: host.tangConnectivity,
    role: 'auto-assign',
    suggested_role: 'auto-assign',
    logs_info: host.logsInfo,
    logs_started_at: host.logsStartedAt,
    logs_collected_at: host.logsCollectedAt,
    created_at: host.createdAt,
    updated_at: host.updatedAt,
    registered_at: host.registeredAt,
    checked_in_at: host.checkedInAt,
    discovery_agent_version: host.discoveryAgentVersion,
    requested_hostname: host.requestedHostname,
    timestamp: host.timestamp,
    media_status: host.mediaStatus ?? 'connected',
    // inband extensions: why steps failed, and the VIP leases.
    step_errors: Object.keys(host.stepErrors).length > 0 ? host.stepErrors : undefined,
    dhcp_allocation: host.dhcpAllocation,
  });
}

export function eventWire(event: EventRecord): Wire {
  return compact({
    name: event.name,
    infra_env_id: event.infraEnvId,
    host_id: event.hostId,
    severity: event.severity,
    category: 'user',
    message: event.message,
    event_time: event.eventTime,
    request_id: event.requestId,
    props: event.props,
  });
}
