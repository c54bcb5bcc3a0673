import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { admin, api, HOST, startTestApp } from './app-test-support.js';

const FIXTURE = path.resolve(__dirname, '../../test/fixtures/hosts/server-nvme-sata-raid/expected-inventory.json');

it('?view=summary lists hosts without the JSON documents, with the inventory facts a list shows', async () => {
  const t = await startTestApp();
  const ie = await t.createInfraEnv();
  expect((await t.register(ie)).statusCode).toBe(201);
  const inventory = readFileSync(FIXTURE, 'utf8');
  expect((await t.reply(ie, { step_id: 'inventory-1', step_type: 'inventory', exit_code: 0, output: inventory })).statusCode).toBe(204);
  const full = (await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts`), headers: admin })).json()[0];
  const res = await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts?view=summary`), headers: admin });
  expect(res.statusCode).toBe(200);
  const [summary] = res.json();
  expect(res.body.length).toBeLessThan(JSON.stringify(full).length / 3);
  for (const heavy of ['inventory', 'validations_info', 'connectivity', 'free_addresses']) expect(summary).not.toHaveProperty(heavy);
  expect(summary).toMatchObject({ id: HOST, infra_env_id: ie.id, status: full.status, status_info: full.status_info, checked_in_at: full.checked_in_at });
  const parsed = JSON.parse(inventory);
  expect(summary.inventory_summary).toMatchObject({
    hostname: parsed.hostname,
    manufacturer: parsed.system_vendor.manufacturer,
    product_name: parsed.system_vendor.product_name,
    serial_number: parsed.system_vendor.serial_number,
    cpu_cores: parsed.cpu.count,
    memory_bytes: parsed.memory.physical_bytes,
    disks: parsed.disks.length,
    eligible_disks: parsed.disks.filter((d: { installation_eligibility?: { eligible?: boolean } }) => d.installation_eligibility?.eligible).length,
  });
  expect(summary.inventory_summary.interfaces).toContainEqual(expect.objectContaining({ name: parsed.interfaces[1].name, mac_address: parsed.interfaces[1].mac_address }));
  expect((await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts?view=everything`), headers: admin })).statusCode).toBe(400);
});
