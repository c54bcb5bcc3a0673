import { API_BASE_PATH } from '../../client/service-client.js';
import { HttpError } from '../errors.js';
import type { InfraEnvRecord } from '../model.js';
import type { AgentBinaries } from './agent-binaries.js';
import { discoveryCloudConfig } from './cloud-init.js';
import type { AgentDelivery, DiscoveryContext } from './context.js';
import { discoveryIgnition } from './ignition.js';
import { discoveryIpxeScript, type BootArtifacts } from './ipxe.js';

/** upstream's `file_name` enum of v2DownloadInfraEnvFiles, plus inband's `cloud-init`. */
export const DISCOVERY_FILE_NAMES = ['discovery.ign', 'ipxe-script', 'static-network-config', 'cloud-init'] as const;
export type DiscoveryFileName = (typeof DISCOVERY_FILE_NAMES)[number];
export const AGENT_SOURCES = ['binary', 'podman'] as const;
export type AgentSource = (typeof AGENT_SOURCES)[number];

export interface DiscoveryFileQuery {
  file_name: DiscoveryFileName;
  mac?: string;
  ipxe_script_type?: 'discovery-image-always' | 'boot-order-control';
  discovery_iso_type?: string;
  /** inband: the agent from the service (default) or through podman from --agent-image. */
  agent_source?: AgentSource;
}

/** What `inband serve` was told about booting hosts. */
export interface BootOptions {
  binaries?: AgentBinaries;
  /** scheme://host[:port] hosts reach the service at (`--public-url`); else the request's Host. */
  publicUrl?: string;
  /** `--agent-image`: the podman variant runs it; both name it as the agent version. */
  agentImage?: string;
  /** The CA hosts must trust for the service's HTTPS (`--tls-ca`, else the certificate chain). */
  serviceCaPem?: string;
  /** `--boot-kernel-url`, `--boot-initrd-url`, `--boot-rootfs-url` (`--boot-kernel-args`): the iPXE live image. */
  bootArtifacts?: BootArtifacts;
}

export const AGENT_BINARY_FILES = ['inband', 'inband.gz', 'inband.sha256', 'inband.sha512'] as const;
export type AgentBinaryFile = (typeof AGENT_BINARY_FILES)[number];

/** The stable download path of the agent for an architecture (no auth: it holds no secret). */
export function agentBinaryPath(arch: string, file: AgentBinaryFile = 'inband'): string {
  return `${API_BASE_PATH}/v2/agent-binaries/${arch}/${file}`;
}

/** A discovery file's URL with the download token in it: what iPXE, Ignition and curl can fetch. */
export function discoveryFileUrl(serviceUrl: string, infraEnv: InfraEnvRecord, fileName: DiscoveryFileName, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ file_name: fileName, ...extra, api_key: infraEnv.downloadToken });
  return `${serviceUrl}${API_BASE_PATH}/v2/infra-envs/${infraEnv.id}/downloads/files?${query.toString()}`;
}

/**
 * The files of `GET /v2/infra-envs/{id}/downloads/files`, rendered for one infra-env from the
 * service's boot options. Configuration the service lacks (no binary for the infra-env's
 * architecture, no --agent-image, no iPXE live image) is a 409 that names the flag.
 */
export class DiscoveryFiles {
  constructor(readonly options: BootOptions) {}

  render(infraEnv: InfraEnvRecord, serviceUrl: string, query: DiscoveryFileQuery): { body: string; fileName: string } {
    switch (query.file_name) {
      case 'discovery.ign':
        return { body: `${JSON.stringify(discoveryIgnition(this.context(infraEnv, serviceUrl, query.agent_source)))}\n`, fileName: 'discovery.ign' };
      case 'cloud-init':
        return { body: discoveryCloudConfig(this.context(infraEnv, serviceUrl, query.agent_source)), fileName: 'user-data' };
      case 'ipxe-script':
        return { body: this.ipxeScript(infraEnv, serviceUrl, query), fileName: 'ipxe-script' };
      case 'static-network-config':
        throw new HttpError(404, `infra-env ${infraEnv.id} has no static network configuration (inband does not generate one)`);
    }
  }

  context(infraEnv: InfraEnvRecord, serviceUrl: string, source: AgentSource = 'binary'): DiscoveryContext {
    return {
      infraEnvId: infraEnv.id,
      agentToken: infraEnv.agentToken,
      serviceUrl,
      delivery: source === 'podman' ? this.podman() : this.binary(infraEnv.cpuArchitecture, serviceUrl),
      agentVersion: this.options.agentImage,
      serviceCaPem: this.options.serviceCaPem,
      // Checked when the infra-env was created.
      sshAuthorizedKeys: (infraEnv.sshAuthorizedKey ?? '').split('\n').filter(Boolean),
      proxy: infraEnv.proxy && {
        httpProxy: infraEnv.proxy.http_proxy ?? undefined,
        httpsProxy: infraEnv.proxy.https_proxy ?? undefined,
        noProxy: infraEnv.proxy.no_proxy ?? undefined,
      },
    };
  }

  private binary(cpuArchitecture: string, serviceUrl: string): AgentDelivery {
    const binaries = this.options.binaries;
    const binary = binaries?.forArchitecture(cpuArchitecture);
    if (!binary) {
      const served = binaries?.list().map((b) => b.cpuArchitecture) ?? [];
      throw new HttpError(
        409,
        served.length === 0
          ? 'this service has no agent binary to hand out (it runs from the bundle, not the single executable): start it with --agent-binary PATH, or use agent_source=podman'
          : `this service has no ${cpuArchitecture} agent binary (it serves ${served.join(', ')}): start it with --agent-binary PATH of a ${cpuArchitecture} build, or use agent_source=podman`,
      );
    }
    return {
      kind: 'binary',
      url: `${serviceUrl}${agentBinaryPath(binary.cpuArchitecture)}`,
      gzipUrl: `${serviceUrl}${agentBinaryPath(binary.cpuArchitecture, 'inband.gz')}`,
      sha256: binary.sha256,
      sha512: binary.sha512,
    };
  }

  private podman(): AgentDelivery {
    if (!this.options.agentImage) throw new HttpError(409, 'agent_source=podman runs the agent image: start the service with --agent-image IMAGE');
    return { kind: 'podman', image: this.options.agentImage };
  }

  private ipxeScript(infraEnv: InfraEnvRecord, serviceUrl: string, query: DiscoveryFileQuery): string {
    const boot = this.options.bootArtifacts;
    if (!boot) throw new HttpError(409, 'iPXE needs a live image: start the service with --boot-kernel-url, --boot-initrd-url and --boot-rootfs-url');
    // boot-order-control tells installed hosts to boot from disk; inband never installs, so
    // every host is in discovery and gets the same script. Upstream requires the MAC for it.
    if (query.ipxe_script_type === 'boot-order-control' && !query.mac) throw new HttpError(400, 'ipxe_script_type=boot-order-control needs the mac of the booting host');
    const extra: Record<string, string> = query.agent_source && query.agent_source !== 'binary' ? { agent_source: query.agent_source } : {};
    return discoveryIpxeScript(boot, discoveryFileUrl(serviceUrl, infraEnv, 'discovery.ign', extra));
  }
}
