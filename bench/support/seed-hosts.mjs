// Fills an infra-env of a running `inband serve` with N hosts through the agent API, as N agents
// would: a registration and an inventory reply each (synthetic but varied: names, MACs, IPs,
// serials, cores, memory, disks). Used by the console's scale test and bench/console.bench.mjs.

const GIB = 1024 ** 3;
const VENDORS = [
  ['Dell Inc.', 'PowerEdge R650'],
  ['HPE', 'ProLiant DL360 Gen10'],
  ['Lenovo', 'ThinkSystem SR630'],
  ['Supermicro', 'SYS-1029P-WTR'],
];

export const seededHostId = (i) => `5eed0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
export const seededHostname = (i) => `node-${String(i).padStart(5, '0')}`;

function mac(i, nic) {
  const bytes = [0x52, 0x54, nic, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function seededInventory(i) {
  const [manufacturer, product] = VENDORS[i % VENDORS.length];
  const ip = `10.${(i >> 8) & 0xff}.${i & 0xff}.${(i % 200) + 10}`;
  return {
    hostname: seededHostname(i),
    bmc_address: `192.0.2.${i % 250}`,
    bmc_v6address: '::/0',
    cpu: { count: 4 + (i % 5) * 8, architecture: 'x86_64', model_name: 'Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz', frequency: 2000, flags: ['sse4_2', 'avx2'] },
    memory: { physical_bytes: (8 + (i % 4) * 24) * GIB, usable_bytes: (8 + (i % 4) * 24) * GIB - 2 * GIB, physical_bytes_method: 'dmidecode' },
    disks: [
      { name: 'sda', path: '/dev/sda', by_path: '/dev/disk/by-path/pci-0000:00:17.0-ata-1', drive_type: 'SSD', size_bytes: 480e9, serial: `SSD${i}A`, model: 'SAMSUNG MZ7L3480', vendor: 'ATA', bootable: true, smart: '', installation_eligibility: { eligible: true, not_eligible_reasons: [] } },
      { name: 'sdb', path: '/dev/sdb', by_path: '/dev/disk/by-path/pci-0000:00:17.0-ata-2', drive_type: 'HDD', size_bytes: (i % 3) * 4e12 + 50e9, serial: `HDD${i}B`, model: 'ST8000NM000A', vendor: 'ATA', smart: '', installation_eligibility: { eligible: i % 3 !== 0, not_eligible_reasons: i % 3 === 0 ? ['Disk is too small (disk only has 50 GB, but 100 GB are required)'] : [] } },
    ],
    interfaces: [
      { name: 'eno1', mac_address: mac(i, 1), ipv4_addresses: [`${ip}/16`], ipv6_addresses: [], type: 'physical', mtu: 1500, speed_mbps: 10000, has_carrier: true, flags: ['up', 'broadcast'], vendor: '0x14e4', product: '0x165f' },
      { name: 'eno2', mac_address: mac(i, 2), ipv4_addresses: [], ipv6_addresses: [], type: 'physical', mtu: 1500, speed_mbps: -1, has_carrier: false, flags: ['broadcast'], vendor: '0x14e4', product: '0x165f' },
    ],
    routes: [{ interface: 'eno1', destination: '0.0.0.0', gateway: `10.${(i >> 8) & 0xff}.0.1`, family: 2, metric: 100 }],
    system_vendor: { manufacturer, product_name: product, serial_number: `SRV${String(i).padStart(6, '0')}`, virtual: false },
    boot: { current_boot_mode: 'uefi', secure_boot_state: 'Disabled' },
    tpm_version: '2.0',
    timestamp: Math.floor(Date.now() / 1000),
  };
}

async function post(url, headers, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** Registers `count` hosts in the infra-env and posts each one's inventory; resolves when all are in. */
export async function seedHosts({ base, infraEnvId, agentToken, count, concurrency = 16 }) {
  const headers = { 'x-secret-key': agentToken };
  let next = 0;
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const hostId = seededHostId(i);
      await post(`${base}/v2/infra-envs/${infraEnvId}/hosts`, headers, { host_id: hostId, discovery_agent_version: 'quay.io/edge-infrastructure/assisted-installer-agent:seed' });
      await post(`${base}/v2/infra-envs/${infraEnvId}/hosts/${hostId}/instructions`, headers, {
        step_id: `inventory-${i.toString(16).padStart(8, '0')}`,
        step_type: 'inventory',
        exit_code: 0,
        output: JSON.stringify(seededInventory(i)),
      });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
}
