import yaml from 'js-yaml';
import { HOST_PATHS, type DiscoveryContext } from './context.js';
import { hostFiles, unitFile } from './host-files.js';

/**
 * `#cloud-config` user-data doing what discovery.ign does, for Ubuntu, Debian and RHEL live or
 * cloud images: the same files and unit (write_files), the CA through the ca_certs module, SSH keys
 * for the image's default user. The agent is fetched and checked by the unit's ExecStartPre.
 * `--no-block`: cloud-init's final stage does not wait for the download.
 */
export function discoveryCloudConfig(ctx: DiscoveryContext): string {
  const files = [...hostFiles(ctx), unitFile(ctx)].map((file) => ({
    path: file.path,
    permissions: `0${file.mode.toString(8)}`,
    owner: 'root:root',
    content: file.contents,
  }));
  const config = {
    ...(ctx.sshAuthorizedKeys.length > 0 && { ssh_authorized_keys: ctx.sshAuthorizedKeys }),
    ...(ctx.serviceCaPem && { ca_certs: { trusted: [ctx.serviceCaPem] } }),
    write_files: files,
    runcmd: [
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', '--no-block', HOST_PATHS.unitName],
    ],
  };
  // lineWidth -1: long lines (URLs, keys) are never folded; every string is quoted or a block.
  return `#cloud-config\n${yaml.dump(config, { lineWidth: -1, noRefs: true, quotingType: '"' })}`;
}
