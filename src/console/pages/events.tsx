import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.js';
import { ErrorNote } from '../components/error.js';
import { InfraEnvSelect } from '../components/infra-env-select.js';
import { live } from '../live.js';
import { parseJson, type Host, type InfraEnv, type Inventory, type ServiceEvent } from '../model.js';
import { href } from '../router.js';

const LIMIT = 500;
const SEVERITY_SYMBOL: Record<string, string> = { info: 'ℹ', warning: '⚠', error: '✖', critical: '✖' };

export function EventsTable({ events, label }: { events: ServiceEvent[]; label: string }) {
  if (events.length === 0) return <p>No events.</p>;
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={label}>
      <table class="events">
        <caption class="visually-hidden">{label}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Severity</th>
            <th scope="col">Message</th>
            <th scope="col">Host</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e, i) => (
            <tr key={`${e.event_time}-${i}`}>
              <td>
                <time dateTime={e.event_time}>{new Date(e.event_time).toLocaleString()}</time>
              </td>
              <td>
                <span class={`status severity-${e.severity}`}>
                  <span aria-hidden="true">{SEVERITY_SYMBOL[e.severity] ?? '?'} </span>
                  {e.severity}
                </span>
              </td>
              <td>{e.message}</td>
              <td>{e.host_id && e.infra_env_id ? <a href={href('host', [e.infra_env_id, e.host_id])}>{e.host_id.slice(0, 8)}</a> : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EventsPage({ infraEnvId, hostId }: { infraEnvId?: string; hostId?: string }) {
  const [events, setEvents] = useState<ServiceEvent[] | undefined>(undefined);
  const [infraEnvs, setInfraEnvs] = useState<InfraEnv[]>([]);
  const [hosts, setHosts] = useState<Host[]>([]);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    void request<InfraEnv[]>('GET', '/v2/infra-envs').then(setInfraEnvs, () => undefined);
  }, []);
  useEffect(() => {
    setHosts([]);
    if (infraEnvId) void request<Host[]>('GET', `/v2/infra-envs/${infraEnvId}/hosts`).then(setHosts, () => undefined);
  }, [infraEnvId]);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      request<ServiceEvent[]>('GET', '/v2/events', undefined, { infra_env_id: infraEnvId, host_id: hostId, order: 'descending', limit: String(LIMIT) }).then(
        (list) => !stopped && (setEvents(list), setError(undefined)),
        (err: unknown) => !stopped && setError(err),
      );
    void load();
    const unsubscribe = live.subscribe((changes) => {
      if (changes.some((c) => c.kind === 'resync')) return void load();
      const fresh = changes.flatMap((c) => (c.kind === 'event' && (!infraEnvId || c.event.infra_env_id === infraEnvId) && (!hostId || c.event.host_id === hostId) ? [c.event] : []));
      if (fresh.length > 0) setEvents((current) => [...fresh.reverse(), ...(current ?? [])].slice(0, LIMIT));
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [infraEnvId, hostId]);

  const go = (ie: string | undefined, host: string | undefined) => {
    location.hash = href('events', [], { infra_env: ie, host });
  };
  return (
    <>
      <h1>Events</h1>
      <form class="filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <InfraEnvSelect id="events-infra-env" infraEnvs={infraEnvs} value={infraEnvId} onPick={(id) => go(id, undefined)} />
        <div class="field">
          <label for="events-host">Host</label>
          <select id="events-host" value={hostId ?? ''} disabled={!infraEnvId} onChange={(e) => go(infraEnvId, (e.currentTarget as HTMLSelectElement).value || undefined)}>
            <option value="">{infraEnvId ? 'All hosts' : 'Pick an infra-env first'}</option>
            {hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {parseJson<Inventory>(h.inventory)?.hostname ?? h.id}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorNote error={error} />
      {events === undefined ? <p>Loading events…</p> : <EventsTable events={events} label="Events" />}
    </>
  );
}
