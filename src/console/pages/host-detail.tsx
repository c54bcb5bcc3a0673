import { useEffect, useState } from 'preact/hooks';
import { API, request } from '../api.js';
import { ErrorNote } from '../components/error.js';
import { StatusBadge, ValidationBadge } from '../components/status.js';
import { live } from '../live.js';
import { age, bmcAddresses, gb, gib, parseJson, type Host, type Inventory, type ServiceEvent, type StepResult, type Validation } from '../model.js';
import { href } from '../router.js';
import { EventsTable } from './events.js';

const ORDER: Record<string, number> = { failure: 0, error: 1, pending: 2, success: 3, disabled: 4 };

function Validations({ host }: { host: Host }) {
  const groups = parseJson<Record<string, Validation[]>>(host.validations_info) ?? {};
  const categories = Object.entries(groups)
    .map(([category, list]) => ({ category, list: [...list].sort((a, b) => (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9) || a.id.localeCompare(b.id)) }))
    // Categories with failures first, like the validations inside each.
    .sort((a, b) => (ORDER[a.list[0]?.status ?? ''] ?? 9) - (ORDER[b.list[0]?.status ?? ''] ?? 9) || a.category.localeCompare(b.category));
  if (categories.length === 0) return <p>No validations yet: the host has not sent its inventory.</p>;
  return (
    <>
      {categories.map(({ category, list }) => (
        <section key={category} aria-labelledby={`validations-${category}`}>
          <h3 id={`validations-${category}`}>
            {category} ({list.filter((v) => v.status === 'failure' || v.status === 'error').length} failing of {list.length})
          </h3>
          <ul class="validations">
            {list.map((v) => (
              <li key={v.id} class={`validation validation-row-${v.status}`}>
                <ValidationBadge status={v.status} /> <code>{v.id}</code> — {v.message}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

function Table({ label, head, rows }: { label: string; head: string[]; rows: (string | number | preact.JSX.Element)[][] }) {
  if (rows.length === 0) return <p>None reported.</p>;
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={label}>
      <table>
        <caption class="visually-hidden">{label}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) => (
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InventorySections({ inventory }: { inventory: Inventory }) {
  const vendor = inventory.system_vendor ?? {};
  return (
    <>
      <section aria-labelledby="inv-system">
        <h3 id="inv-system">System</h3>
        <dl class="facts">
          <dt>Vendor</dt>
          <dd>{[vendor.manufacturer, vendor.product_name].filter(Boolean).join(' ') || '–'}{vendor.virtual ? ' (virtual)' : ''}</dd>
          <dt>Serial</dt>
          <dd>{vendor.serial_number || '–'}</dd>
          <dt>CPU</dt>
          <dd>
            {inventory.cpu?.count ?? '–'} cores, {inventory.cpu?.model_name ?? '–'} ({inventory.cpu?.architecture ?? '–'})
          </dd>
          <dt>Memory</dt>
          <dd>
            {gib(inventory.memory?.physical_bytes)} physical, {gib(inventory.memory?.usable_bytes)} usable
          </dd>
          <dt>Boot</dt>
          <dd>
            {inventory.boot?.current_boot_mode ?? '–'}
            {inventory.boot?.secure_boot_state ? `, secure boot ${inventory.boot.secure_boot_state}` : ''}
            {inventory.boot?.pxe_interface ? `, PXE on ${inventory.boot.pxe_interface}` : ''}
          </dd>
          <dt>TPM</dt>
          <dd>{inventory.tpm_version || '–'}</dd>
          <dt>BMC</dt>
          <dd>{bmcAddresses(inventory).join(', ') || 'none reported'}</dd>
        </dl>
      </section>
      <section aria-labelledby="inv-disks">
        <h3 id="inv-disks">Disks</h3>
        <Table
          label="Disks"
          head={['Name', 'Size', 'Type', 'Model', 'Serial', 'Path', 'Eligible']}
          rows={(inventory.disks ?? []).map((d) => [
            d.name ?? '–',
            gb(d.size_bytes),
            d.drive_type ?? '–',
            [d.vendor, d.model].filter(Boolean).join(' ') || '–',
            d.serial ?? '–',
            d.by_path || d.path || '–',
            d.installation_eligibility?.eligible ? '✔ eligible' : `✖ not eligible: ${(d.installation_eligibility?.not_eligible_reasons ?? []).join('; ') || 'no reason given'}`,
          ])}
        />
      </section>
      <section aria-labelledby="inv-nics">
        <h3 id="inv-nics">Interfaces</h3>
        <Table
          label="Interfaces"
          head={['Name', 'MAC', 'Addresses', 'Type', 'Speed', 'MTU', 'Carrier', 'Vendor / product']}
          rows={(inventory.interfaces ?? []).map((n) => [
            n.name ?? '–',
            n.mac_address ?? '–',
            [...(n.ipv4_addresses ?? []), ...(n.ipv6_addresses ?? [])].join(' ') || '–',
            n.type ?? '–',
            n.speed_mbps ? `${n.speed_mbps} Mb/s` : '–',
            n.mtu ?? '–',
            n.has_carrier ? 'yes' : 'no',
            [n.vendor, n.product].filter(Boolean).join(' ') || '–',
          ])}
        />
      </section>
      <section aria-labelledby="inv-routes">
        <h3 id="inv-routes">Routes</h3>
        <Table
          label="Routes"
          head={['Destination', 'Gateway', 'Interface', 'Family', 'Metric']}
          rows={(inventory.routes ?? []).map((r) => [r.destination ?? '–', r.gateway ?? '–', r.interface ?? '–', r.family === 10 ? 'IPv6' : 'IPv4', r.metric ?? '–'])}
        />
      </section>
      <section aria-labelledby="inv-gpus">
        <h3 id="inv-gpus">GPUs</h3>
        <Table label="GPUs" head={['Vendor', 'Name', 'Address']} rows={(inventory.gpus ?? []).map((g) => [g.vendor ?? '–', g.name ?? '–', g.address ?? '–'])} />
      </section>
    </>
  );
}

function StepResults({ results }: { results: StepResult[] }) {
  if (results.length === 0) return <p>No step results yet.</p>;
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label="Step results">
      <table>
        <caption class="visually-hidden">Step results</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Exit code</th>
            <th scope="col">Received</th>
            <th scope="col">Error / output</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={r.step_id} data-step-type={r.step_type}>
              <td>
                <code>{r.step_type}</code>
              </td>
              <td class="num">{r.exit_code === 0 ? '0 ✔' : `${r.exit_code} ✖`}</td>
              <td>{age(r.received_at)}</td>
              <td>
                {r.error && <pre class="step-error">{r.error}</pre>}
                {r.output && (
                  <details>
                    <summary>output ({r.output.length} bytes)</summary>
                    <pre>{r.output.slice(0, 20_000)}</pre>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function HostDetailPage({ infraEnvId, hostId }: { infraEnvId: string; hostId: string }) {
  const [host, setHost] = useState<Host | undefined>(undefined);
  const [results, setResults] = useState<StepResult[]>([]);
  const [events, setEvents] = useState<ServiceEvent[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState('');
  const base = `/v2/infra-envs/${infraEnvId}/hosts/${hostId}`;

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const [h, r, e] = await Promise.all([
          request<Host>('GET', base),
          request<StepResult[]>('GET', `${base}/step-results`),
          request<ServiceEvent[]>('GET', '/v2/events', undefined, { host_id: hostId, order: 'descending', limit: '200' }),
        ]);
        if (stopped) return;
        setHost(h);
        setResults([...r].sort((a, b) => b.received_at.localeCompare(a.received_at)));
        setEvents(e);
        setError(undefined);
      } catch (err) {
        if (!stopped) setError(err);
      }
    };
    void load();
    let timer: number | undefined;
    const unsubscribe = live.subscribe((changes) => {
      const mine = changes.some((c) => c.kind === 'resync' || ((c.kind === 'host' || c.kind === 'host-removed') && c.host_id === hostId) || (c.kind === 'event' && c.event.host_id === hostId));
      if (mine && timer === undefined)
        timer = window.setTimeout(() => {
          timer = undefined;
          void load();
        }, 150);
    });
    // Check-ins are not on the live stream: read the host again now and then for "last check-in".
    const periodic = window.setInterval(() => void load(), 30_000);
    return () => {
      stopped = true;
      unsubscribe();
      window.clearInterval(periodic);
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [infraEnvId, hostId]);

  const requestLogs = async () => {
    try {
      await request('POST', `${base}/logs-request`);
      setNotice('Logs requested: the host gathers and uploads them after its next poll.');
    } catch (err) {
      setError(err);
    }
  };

  if (!host) return error ? <ErrorNote error={error} /> : <p>Loading host…</p>;
  const inventory = parseJson<Inventory>(host.inventory);
  const name = inventory?.hostname ?? host.id;
  return (
    <>
      <p class="crumbs">
        <a href={href('hosts', [], { infra_env: infraEnvId })}>← Hosts of this infra-env</a>
      </p>
      <h1>Host {name}</h1>
      <ErrorNote error={error} />
      <section class="card" aria-labelledby="host-summary">
        <h2 id="host-summary">Status</h2>
        <p>
          <StatusBadge status={host.status} /> — <span class="status-info">{host.status_info}</span>
        </p>
        <dl class="facts">
          <dt>ID</dt>
          <dd>
            <code>{host.id}</code>
          </dd>
          <dt>Last check-in</dt>
          <dd>{age(host.checked_in_at)}</dd>
          <dt>Registered</dt>
          <dd>{age(host.registered_at)}</dd>
          <dt>Agent version</dt>
          <dd>{host.discovery_agent_version ?? '–'}</dd>
          <dt>Logs</dt>
          <dd id="logs-state">{host.logs_info ? `${host.logs_info}${host.logs_collected_at ? `, collected ${age(host.logs_collected_at)}` : ''}` : 'none requested'}</dd>
        </dl>
        <div class="actions">
          <button type="button" onClick={requestLogs}>
            Request logs
          </button>
          {host.logs_collected_at ? (
            <a class="button" href={`${API}${base}/logs`} download={`logs_host_${host.id}.tar.gz`}>
              Download logs
            </a>
          ) : (
            <span class="hint">Download logs: no logs uploaded yet</span>
          )}
        </div>
        {notice && (
          <p role="status" class="notice">
            {notice}
          </p>
        )}
        {host.step_errors && Object.keys(host.step_errors).length > 0 && (
          <>
            <h3>Step errors</h3>
            <ul>
              {Object.entries(host.step_errors).map(([type, text]) => (
                <li key={type}>
                  <code>{type}</code>: {text}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section class="card" aria-labelledby="validations-heading">
        <h2 id="validations-heading">Validations</h2>
        <Validations host={host} />
      </section>
      <section class="card" aria-labelledby="inventory-heading">
        <h2 id="inventory-heading">Inventory</h2>
        {inventory ? <InventorySections inventory={inventory} /> : <p>No inventory yet.</p>}
      </section>
      <section class="card" aria-labelledby="steps-heading">
        <h2 id="steps-heading">Step results</h2>
        <StepResults results={results} />
      </section>
      <section class="card" aria-labelledby="host-events-heading">
        <h2 id="host-events-heading">Events of this host</h2>
        <EventsTable events={events} label="Events of this host" />
      </section>
    </>
  );
}
