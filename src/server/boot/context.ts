/**
 * What every discovery file of an infra-env is made from: where the service is, how the agent gets
 * onto the host, the token it presents, what the host must trust. One value, rendered as Ignition,
 * cloud-init or the deploy/ examples, so the three can never say different things.
 */

/** Where the agent comes from on the host. */
export type AgentDelivery =
  /** The service's own executable (or --agent-binary), downloaded and checked against these digests. */
  | { kind: 'binary'; url: string; gzipUrl: string; sha256: string; sha512: string }
  /** The agent image, run by podman with the host's root at /host (`--agent-image`). */
  | { kind: 'podman'; image: string };

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  /** Comma-separated, as upstream's infra-env carries it. */
  noProxy?: string;
}

export interface DiscoveryContext {
  infraEnvId: string;
  agentToken: string;
  /** scheme://host[:port] the host reaches the service at; the agent's --url. */
  serviceUrl: string;
  delivery: AgentDelivery;
  /** The agent's --agent-version (the image the service names in next_step_runner_command), when set. */
  agentVersion?: string;
  /** PEM of the CA that signed the service's certificate, when it serves HTTPS. */
  serviceCaPem?: string;
  /** Public keys for the `core` user (Ignition) or the image's default user (cloud-init). */
  sshAuthorizedKeys: string[];
  proxy?: ProxySettings;
}

/** Where the discovery files put things on the host. */
export const HOST_PATHS = {
  agent: '/usr/local/bin/inband',
  fetchAgent: '/usr/local/bin/inband-fetch-agent',
  environment: '/etc/inband/agent.env',
  serviceCa: '/etc/inband/service-ca.pem',
  unitName: 'agent.service',
  unit: '/etc/systemd/system/agent.service',
  /** Where Fedora CoreOS and RHCOS take extra trust anchors from at boot (update-ca-trust). */
  coreosTrustAnchor: '/etc/pki/ca-trust/source/anchors/inband-service-ca.pem',
} as const;

/** The podman variant's container name, so a restart replaces the previous container. */
export const AGENT_CONTAINER = 'inband-agent';
