import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { computeHostId, FALLBACK_HOST_ID, md5Uuid } from './host-id.js';
import { HostFs } from '../host/host-fs.js';
import { tempDir } from '../../test/support/temp-dir.js';

function hostTree(files: Record<string, string>): HostFs {
  const root = tempDir('hostid');
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return new HostFs(root);
}

const DMI = '/sys/class/dmi/id';

describe('md5Uuid', () => {
  it.each([
    ['L1HF02A02SD', 'd3d368a5-914d-a95a-3644-9dfb4eb0903b'],
    ['123-456-789', '856f4f9c-3c08-4d97-8ec7-ea0ad7d4cadf'],
    ['Other', '6311ae17-c1ee-52b3-6e68-aaf4ad066387'],
  ])('formats md5(%s) as %s without version bits', (text, uuid) => {
    expect(md5Uuid(text)).toBe(uuid);
  });
});

describe('computeHostId', () => {
  it('uses the board serial first, hashed as it is (not lower-cased)', async () => {
    const fs = hostTree({ [`${DMI}/board_serial`]: 'L1HF02A02SD\n', [`${DMI}/product_uuid`]: '0B825DCC-3064-11B2-A85C-968EC80B7FCF\n' });
    expect(await computeHostId(fs)).toEqual({ id: 'd3d368a5-914d-a95a-3644-9dfb4eb0903b', source: 'board-serial' });
  });

  it.each(['', 'Unknown', 'None', '(none)', '-', 'Default string', 'Not Specified', 'Unspecified Base Board Serial Number', 'Unspecified System Serial Number', 'PCA_NUMBER.ACC'])(
    'skips the bogus serial %j and takes the product UUID, lower-cased',
    async (serial) => {
      const fs = hostTree({ [`${DMI}/board_serial`]: serial, [`${DMI}/product_uuid`]: '0B825DCC-3064-11B2-A85C-968EC80B7FCF' });
      expect(await computeHostId(fs)).toEqual({ id: '0b825dcc-3064-11b2-a85c-968ec80b7fcf', source: 'product-uuid' });
    },
  );

  it.each(['00000000-0000-0000-0000-000000000000', '03000200-0400-0500-0006-000700080009', 'not-a-uuid', 'unknown'])(
    'skips the product UUID %s and hashes the lowest MAC address',
    async (uuid) => {
      const fs = hostTree({
        [`${DMI}/board_serial`]: 'None',
        [`${DMI}/product_uuid`]: uuid,
        '/sys/class/net/lo/address': '00:00:00:00:00:00\n',
        '/sys/class/net/eth1/address': '52:54:00:AA:00:02\n',
        '/sys/class/net/eth0/address': '52:54:00:aa:00:01\n',
        '/sys/class/net/eth0/mtu': '1500\n',
      });
      expect(await computeHostId(fs)).toEqual({ id: md5Uuid('52:54:00:aa:00:01'), source: 'mac' });
    },
  );

  it('falls back to the placeholder when there is nothing to go by', async () => {
    const fs = hostTree({ '/sys/class/net/lo/address': '00:00:00:00:00:00\n' });
    expect(await computeHostId(fs)).toEqual({ id: FALLBACK_HOST_ID, source: 'fallback' });
  });
});
