import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { request } from '../api.js';
import { ErrorNote } from '../components/error.js';
import { InfraEnvSelect } from '../components/infra-env-select.js';
import { StatusBadge } from '../components/status.js';
import { live, type LiveChange } from '../live.js';
import { age, gib, hostRow, STATUSES, type Host, type HostRow, type InfraEnv } from '../model.js';
import { href } from '../router.js';

const PAGE_SIZE = 100;
/** Past this many hosts changed in one batch, the whole list is reloaded rather than host by host. */
const RELOAD_THRESHOLD = 100;
const RELOAD_INTERVAL_MS = 5_000;
const CHECK_IN_REFRESH_MS = 60_000;

type Column = { key: keyof HostRow; label: string; numeric?: boolean };
const COLUMNS: Column[] = [
  { key: 'status', label: 'Status' },
  { key: 'hostname', label: 'Hostname' },
  { key: 'vendor', label: 'Vendor / model' },
  { key: 'cores', label: 'Cores', numeric: true },
  { key: 'memoryBytes', label: 'Memory', numeric: true },
  { key: 'eligibleDisks', label: 'Eligible / disks', numeric: true },
  { key: 'nics', label: 'NICs' },
  { key: 'bmc', label: 'BMC' },
  { key: 'checkedInAt', label: 'Last check-in' },
  { key: 'agentVersion', label: 'Agent version' },
];

async function loadHosts(infraEnvId: string | undefined): Promise<HostRow[]> {
  // As `inband hosts list` does: one infra-env, or each in turn.
  const ids = infraEnvId ? [infraEnvId] : (await request<InfraEnv[]>('GET', '/v2/infra-envs')).map((ie) => ie.id);
  const lists = await Promise.all(ids.map((id) => request<Host[]>('GET', `/v2/infra-envs/${id}/hosts`, undefined, { view: 'summary' })));
  return lists.flat().map(hostRow);
}

// Plain code-unit order, not localeCompare: hostnames, MACs and versions are ASCII, and ICU
// collation is what made sorting 10,000 rows slow.
const order = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function compare(a: HostRow, b: HostRow, key: keyof HostRow): number {
  const x = a[key];
  const y = b[key];
  if (typeof x === 'number' && typeof y === 'number') return x - y || order(a.id, b.id);
  return order(String(x), String(y)) || order(a.id, b.id);
}

function Cell({ row, column }: { row: HostRow; column: Column }) {
  switch (column.key) {
    case 'status':
      return (
        <td>
          <StatusBadge status={row.status} />
          <div class="status-info">{row.statusInfo}</div>
        </td>
      );
    case 'hostname':
      return (
        <td>
          <a href={href('host', [row.infraEnvId, row.id])}>{row.hostname}</a>
        </td>
      );
    case 'memoryBytes':
      return <td class="num">{gib(row.memoryBytes)}</td>;
    case 'eligibleDisks':
      return (
        <td class="num">
          {row.eligibleDisks} / {row.disks}
        </td>
      );
    case 'cores':
      return <td class="num">{row.cores || '–'}</td>;
    case 'nics':
      return (
        <td class="nics">
          {row.nicLines.length === 0
            ? '–'
            : row.nicLines.map((line) => (
                <div key={line}>
                  <code>{line}</code>
                </div>
              ))}
        </td>
      );
    case 'checkedInAt':
      return <td>{age(row.checkedInAt)}</td>;
    default:
      return <td>{String(row[column.key]) || '–'}</td>;
  }
}

export function HostsPage({ infraEnvId, initialStatus, initialSearch }: { infraEnvId?: string; initialStatus?: string; initialSearch?: string }) {
  const [rows, setRows] = useState<HostRow[] | undefined>(undefined);
  const [infraEnvs, setInfraEnvs] = useState<InfraEnv[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState(initialStatus ?? '');
  const [search, setSearch] = useState(initialSearch ?? '');
  const [sort, setSort] = useState<{ key: keyof HostRow; descending: boolean }>({ key: 'hostname', descending: false });
  const [page, setPage] = useState(0);
  const painted = useRef(false);

  useEffect(() => {
    let stopped = false;
    setRows(undefined);
    painted.current = false;
    const reload = () =>
      loadHosts(infraEnvId).then(
        (loaded) => {
          performance.mark('inband:hosts-loaded');
          if (!stopped) (setRows(loaded), setError(undefined));
        },
        (err: unknown) => !stopped && setError(err),
      );
    void reload();
    void request<InfraEnv[]>('GET', '/v2/infra-envs').then(setInfraEnvs, () => undefined);

    // Live: changed hosts are fetched again (through the same operator API), a batch at a time.
    const pending = new Map<string, string>();
    let timer: number | undefined;
    let lastReload = 0;
    const flush = async () => {
      timer = undefined;
      if (pending.size > RELOAD_THRESHOLD) {
        // Many hosts changing at once (a rack booting): one reload of the list, at most every few seconds.
        const wait = lastReload + RELOAD_INTERVAL_MS - Date.now();
        if (wait > 0) return void (timer = window.setTimeout(() => void flush(), wait));
        pending.clear();
        lastReload = Date.now();
        return reload();
      }
      const batch = [...pending.entries()];
      pending.clear();
      const fetched = await Promise.all(batch.map(([hostId, ieId]) => request<Host>('GET', `/v2/infra-envs/${ieId}/hosts/${hostId}`).catch(() => undefined)));
      if (stopped) return;
      setRows((current) => {
        if (!current) return current;
        const byId = new Map(current.map((r) => [r.id, r]));
        for (const host of fetched) if (host) byId.set(host.id, hostRow(host));
        return [...byId.values()];
      });
    };
    const unsubscribe = live.subscribe((changes: LiveChange[]) => {
      for (const change of changes) {
        if (change.kind === 'resync') return void reload();
        if (change.kind === 'host' && (!infraEnvId || change.infra_env_id === infraEnvId)) pending.set(change.host_id, change.infra_env_id);
        if (change.kind === 'host-removed') setRows((current) => current?.filter((r) => r.id !== change.host_id));
        if (change.kind === 'infra-env-removed' && !infraEnvId) setRows((current) => current?.filter((r) => r.infraEnvId !== change.infra_env_id));
      }
      if (pending.size > 0 && timer === undefined) timer = window.setTimeout(() => void flush(), 200);
    });
    // Check-ins (heartbeats, thousands a second) are not on the live stream: the list is read
    // again once a poll interval, so "last check-in" stays true to within a minute.
    const periodic = window.setInterval(() => void reload(), CHECK_IN_REFRESH_MS);
    return () => {
      stopped = true;
      unsubscribe();
      window.clearInterval(periodic);
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [infraEnvId]);

  const shown = useMemo(() => {
    if (!rows) return [];
    const needle = search.trim().toLowerCase();
    const filtered = rows.filter((r) => (!status || r.status === status) && (!needle || r.haystack.includes(needle)));
    filtered.sort((a, b) => compare(a, b, sort.key) * (sort.descending ? -1 : 1));
    return filtered;
  }, [rows, status, search, sort]);

  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const visible = shown.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);

  // Marks for the browser test and the bench: the first paint with hosts, and each re-render after input.
  useEffect(() => {
    if (!rows) return;
    if (!painted.current) {
      painted.current = true;
      performance.mark('inband:hosts-painted');
    }
    performance.mark('inband:hosts-rendered');
  }, [rows, visible]);

  const infraEnvName = infraEnvs.find((ie) => ie.id === infraEnvId)?.name;
  const counts = useMemo(() => {
    const byStatus: Record<string, number> = {};
    for (const r of rows ?? []) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    return byStatus;
  }, [rows]);

  return (
    <>
      <h1>{infraEnvId ? `Hosts of ${infraEnvName ?? infraEnvId}` : 'All hosts'}</h1>
      <ErrorNote error={error} />
      <form class="filters" role="search" aria-label="Filter hosts" onSubmit={(e) => e.preventDefault()}>
        <InfraEnvSelect
          id="hosts-infra-env"
          infraEnvs={infraEnvs}
          value={infraEnvId}
          onPick={(id) => {
            location.hash = href('hosts', [], { infra_env: id });
          }}
        />
        <div class="field">
          <label for="hosts-status">Status</label>
          <select
            id="hosts-status"
            value={status}
            onChange={(e) => {
              setStatus((e.currentTarget as HTMLSelectElement).value);
              setPage(0);
            }}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s} ({counts[s] ?? 0})
              </option>
            ))}
          </select>
        </div>
        <div class="field grow">
          <label for="hosts-search">Search</label>
          <input
            id="hosts-search"
            type="search"
            placeholder="hostname, MAC, IP or serial"
            value={search}
            onInput={(e) => {
              setSearch((e.currentTarget as HTMLInputElement).value);
              setPage(0);
            }}
          />
        </div>
      </form>
      <p class="summary" aria-live="polite" id="hosts-summary">
        {rows === undefined ? 'Loading hosts…' : `${shown.length} of ${rows.length} hosts`}
        {pages > 1 && `, page ${current + 1} of ${pages}`}
      </p>
      <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="hosts-summary">
        <table class="hosts">
          <caption class="visually-hidden">Hosts, sortable by each column</caption>
          <thead>
            <tr>
              {COLUMNS.map((column) => {
                const active = sort.key === column.key;
                return (
                  <th key={column.key} scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'} class={column.numeric ? 'num' : undefined}>
                    <button type="button" class="sort" onClick={() => setSort({ key: column.key, descending: active ? !sort.descending : false })}>
                      {column.label}
                      <span aria-hidden="true">{active ? (sort.descending ? ' ▼' : ' ▲') : ' ↕'}</span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {visible.map((row) => (
              <tr key={row.id} data-host-id={row.id}>
                {COLUMNS.map((column) => (
                  <Cell key={column.key} row={row} column={column} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav class="pager" aria-label="Pages of hosts">
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            Previous page
          </button>
          <span>
            Page {current + 1} of {pages}
          </span>
          <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            Next page
          </button>
        </nav>
      )}
    </>
  );
}
