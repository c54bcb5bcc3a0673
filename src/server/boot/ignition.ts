import { HOST_PATHS, type DiscoveryContext } from './context.js';
import { hostFiles, unitFile, type HostFile } from './host-files.js';

/**
 * Spec 3.2.0: every field used here exists there, and RHCOS 4.8 and later read it as Fedora CoreOS
 * does (a reader of 3.4 accepts any 3.x up to its own). Tests validate it against the v3.4 schema.
 */
export const IGNITION_VERSION = '3.2.0';

type IgnitionFile = {
  path: string;
  mode: number;
  overwrite: true;
  contents: { source: string; compression?: 'gzip'; verification?: { hash: string } };
};

function dataUrl(contents: string): string {
  return `data:;base64,${Buffer.from(contents, 'utf8').toString('base64')}`;
}

function inline(file: HostFile): IgnitionFile {
  return { path: file.path, mode: file.mode, overwrite: true, contents: { source: dataUrl(file.contents) } };
}

/**
 * discovery.ign for a Fedora CoreOS / RHCOS live boot: agent.service enabled, its environment
 * file, the service's CA in the system trust store and in Ignition's own (the binary is fetched
 * over the service's HTTPS), the operator's SSH keys for `core`.
 */
export function discoveryIgnition(ctx: DiscoveryContext): Record<string, unknown> {
  const files = hostFiles(ctx).map(inline);
  if (ctx.serviceCaPem) files.push(inline({ path: HOST_PATHS.coreosTrustAnchor, mode: 0o644, contents: ctx.serviceCaPem }));
  if (ctx.delivery.kind === 'binary') {
    // Ignition fetches it in the initramfs and checks the hash of the decompressed bytes (spec:
    // "If compression is specified, the hash describes the decompressed contents").
    files.unshift({
      path: HOST_PATHS.agent,
      mode: 0o755,
      overwrite: true,
      contents: { source: ctx.delivery.gzipUrl, compression: 'gzip', verification: { hash: `sha512-${ctx.delivery.sha512}` } },
    });
  }
  const ignition: Record<string, unknown> = { version: IGNITION_VERSION };
  if (ctx.serviceCaPem) ignition.security = { tls: { certificateAuthorities: [{ source: dataUrl(ctx.serviceCaPem) }] } };
  const proxy = ctx.proxy;
  if (proxy && (proxy.httpProxy || proxy.httpsProxy)) {
    ignition.proxy = {
      ...(proxy.httpProxy && { httpProxy: proxy.httpProxy }),
      ...(proxy.httpsProxy && { httpsProxy: proxy.httpsProxy }),
      ...(proxy.noProxy && { noProxy: proxy.noProxy.split(',').map((s) => s.trim()).filter(Boolean) }),
    };
  }
  const unit = unitFile(ctx);
  return {
    ignition,
    ...(ctx.sshAuthorizedKeys.length > 0 && { passwd: { users: [{ name: 'core', sshAuthorizedKeys: ctx.sshAuthorizedKeys }] } }),
    storage: { files },
    systemd: { units: [{ name: HOST_PATHS.unitName, enabled: true, contents: unit.contents }] },
  };
}
