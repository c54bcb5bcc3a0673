/** The live image an iPXE boot loads: named once per service (`serve --boot-kernel-url …`). */
export interface BootArtifacts {
  kernelUrl: string;
  initrdUrl: string;
  rootfsUrl: string;
  /** Extra kernel arguments (consoles, say), already checked to be plain words. */
  kernelArguments?: string;
}

/**
 * The iPXE script: the CoreOS live kernel and initrd, the rootfs fetched by the initrd, and
 * Ignition told to fetch this infra-env's discovery.ign (with the download token in the URL, as
 * iPXE cannot send headers). Every URL was checked to hold no whitespace, `$` or quotes, which
 * iPXE would split on or expand.
 */
export function discoveryIpxeScript(boot: BootArtifacts, ignitionUrl: string): string {
  const kernelArguments = [
    'initrd=initrd',
    `coreos.live.rootfs_url=${boot.rootfsUrl}`,
    'ignition.firstboot',
    'ignition.platform.id=metal',
    `ignition.config.url=${ignitionUrl}`,
    ...(boot.kernelArguments ? [boot.kernelArguments] : []),
  ];
  return ['#!ipxe', `initrd --name initrd ${boot.initrdUrl}`, `kernel ${boot.kernelUrl} ${kernelArguments.join(' ')}`, 'boot', ''].join('\n');
}

