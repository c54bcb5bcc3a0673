import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.js';
import { Copyable } from '../components/copy.js';
import { ErrorNote } from '../components/error.js';
import { live } from '../live.js';
import { age, type InfraEnv } from '../model.js';
import { href } from '../router.js';

/** The command line `inband infra-env create` prints, with this service's address. */
export function agentCommand(infraEnv: InfraEnv): string {
  return `PULL_SECRET_TOKEN=${infraEnv.agent_token ?? ''} inband agent --url ${location.origin} --infra-env-id ${infraEnv.id}`;
}

const csv = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Every field `inband infra-env create` has, with the CLI's flag names as hints. */
function CreateForm({ onCreated }: { onCreated: (infraEnv: InfraEnv) => void }) {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim();
    const body: Record<string, unknown> = { name: value('name') };
    if (value('ntp_sources')) body.ntp_sources = value('ntp_sources');
    if (value('additional_ntp_sources')) body.additional_ntp_sources = value('additional_ntp_sources');
    if (csv(value('domains')).length > 0) body.domains_to_resolve = csv(value('domains'));
    if (value('api_vip_url')) body.api_vip_url = value('api_vip_url');
    if (value('ssh_authorized_key')) body.ssh_authorized_key = value('ssh_authorized_key');
    const dhcp = [value('dhcp_interface'), value('api_vip_mac'), value('ingress_vip_mac')];
    if (dhcp.some(Boolean)) {
      if (!dhcp.every(Boolean)) return setError(new Error('DHCP allocation needs the interface, the API VIP MAC and the ingress VIP MAC'));
      body.dhcp_allocation = { interface: dhcp[0], api_vip_mac: dhcp[1], ingress_vip_mac: dhcp[2] };
    }
    setBusy(true);
    setError(undefined);
    try {
      const created = await request<InfraEnv>('POST', '/v2/infra-envs', body);
      (event.target as HTMLFormElement).reset();
      onCreated(created);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const field = (name: string, label: string, hint: string, props: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={`ie-${name}`}>{label}</label>
      <input id={`ie-${name}`} name={name} aria-describedby={`ie-${name}-hint`} {...props} />
      <small id={`ie-${name}-hint`}>{hint}</small>
    </div>
  );
  return (
    <form class="card create-form" onSubmit={submit} aria-labelledby="create-heading">
      <h2 id="create-heading">Create an infra-env</h2>
      {field('name', 'Name', 'required (--name)', { required: true, maxLength: 256 })}
      <div class="grid">
        {field('ntp_sources', 'NTP sources', 'comma-separated; the only sources hosts sync with (--ntp-sources)')}
        {field('additional_ntp_sources', 'Additional NTP sources', 'comma-separated; added to the hosts\u2019 own (--additional-ntp-sources)')}
        {field('domains', 'Domains to resolve', 'comma-separated names every host must resolve (--domains)')}
        {field('api_vip_url', 'API VIP URL', 'ignition URL fetched through the API VIP (--api-vip-url)', { type: 'url' })}
      </div>
      <fieldset>
        <legend>DHCP allocation of the VIPs (all three or none)</legend>
        <div class="grid">
          {field('dhcp_interface', 'Interface', 'e.g. eth0 (--dhcp-interface)')}
          {field('api_vip_mac', 'API VIP MAC', 'e.g. 00:1a:4a:00:00:01 (--api-vip-mac)')}
          {field('ingress_vip_mac', 'Ingress VIP MAC', 'e.g. 00:1a:4a:00:00:02 (--ingress-vip-mac)')}
        </div>
      </fieldset>
      <div class="field">
        <label for="ie-ssh_authorized_key">SSH public keys</label>
        <textarea id="ie-ssh_authorized_key" name="ssh_authorized_key" rows={2} aria-describedby="ie-ssh-hint" />
        <small id="ie-ssh-hint">one public key per line, for logging in to discovery hosts as core (--ssh-key)</small>
      </div>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create infra-env'}
      </button>
    </form>
  );
}

function Details({ infraEnv, onDeleted }: { infraEnv: InfraEnv; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const urls = infraEnv.discovery_urls ?? {};
  const remove = async () => {
    try {
      await request('DELETE', `/v2/infra-envs/${infraEnv.id}`);
      onDeleted();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby={`ie-${infraEnv.id}-heading`}>
      <h2 id={`ie-${infraEnv.id}-heading`}>{infraEnv.name}</h2>
      <dl class="facts">
        <dt>ID</dt>
        <dd>
          <code>{infraEnv.id}</code>
        </dd>
        <dt>Created</dt>
        <dd>{age(infraEnv.created_at)}</dd>
        <dt>NTP sources</dt>
        <dd>{infraEnv.ntp_sources ?? infraEnv.additional_ntp_sources ?? '–'}</dd>
        <dt>Domains</dt>
        <dd>{infraEnv.domains_to_resolve?.join(', ') ?? '–'}</dd>
        <dt>API VIP URL</dt>
        <dd>{infraEnv.api_vip_url ?? '–'}</dd>
        <dt>DHCP allocation</dt>
        <dd>{infraEnv.dhcp_allocation ? `${infraEnv.dhcp_allocation.interface}: API ${infraEnv.dhcp_allocation.api_vip_mac}, ingress ${infraEnv.dhcp_allocation.ingress_vip_mac}` : '–'}</dd>
      </dl>
      <p>
        <a href={href('hosts', [], { infra_env: infraEnv.id })}>Hosts of {infraEnv.name}</a> · <a href={href('events', [], { infra_env: infraEnv.id })}>Events</a>
      </p>
      <h3>Boot hosts into discovery</h3>
      <p class="hint">These URLs carry the download token: keep them private.</p>
      <Copyable id={`ign-${infraEnv.id}`} label="Ignition (Fedora CoreOS / RHCOS live)" value={urls.ignition ?? '–'} />
      <Copyable id={`ci-${infraEnv.id}`} label="cloud-init user-data (Ubuntu / Debian / RHEL)" value={urls.cloud_init ?? '–'} />
      <Copyable id={`ipxe-${infraEnv.id}`} label="iPXE script" value={urls.ipxe_script ?? '–'} />
      <p class="downloads">
        Download:{' '}
        <a href={urls.ignition} download="discovery.ign">
          discovery.ign
        </a>{' '}
        ·{' '}
        <a href={urls.cloud_init} download="cloud-init">
          cloud-init
        </a>{' '}
        ·{' '}
        <a href={urls.ipxe_script} download="ipxe-script">
          ipxe-script
        </a>
      </p>
      <h3>Or start an agent by hand</h3>
      <Copyable id={`cmd-${infraEnv.id}`} label="Agent command line" value={agentCommand(infraEnv)} />
      <ErrorNote error={error} />
      {confirming ? (
        <div class="confirm" role="group" aria-label={`Confirm deleting ${infraEnv.name}`}>
          <p>
            Delete infra-env <strong>{infraEnv.name}</strong> and all its hosts? Their agents stop at their next poll.
          </p>
          <button type="button" class="danger" onClick={remove}>
            Yes, delete {infraEnv.name}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete {infraEnv.name}…
        </button>
      )}
    </section>
  );
}

export function InfraEnvsPage({ selected }: { selected?: string }) {
  const [infraEnvs, setInfraEnvs] = useState<InfraEnv[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const load = () =>
    request<InfraEnv[]>('GET', '/v2/infra-envs').then(
      (list) => {
        setInfraEnvs(list);
        setError(undefined);
      },
      (err: unknown) => setError(err),
    );
  useEffect(() => {
    void load();
    return live.subscribe((changes) => {
      if (changes.some((c) => c.kind === 'infra-env' || c.kind === 'infra-env-removed' || c.kind === 'resync')) void load();
    });
  }, []);
  const current = infraEnvs?.find((ie) => ie.id === selected);
  return (
    <>
      <h1>Infra-envs</h1>
      <ErrorNote error={error} />
      {infraEnvs === undefined ? (
        <p>Loading…</p>
      ) : infraEnvs.length === 0 ? (
        <p>No infra-envs yet: create one below.</p>
      ) : (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Infra-envs">
          <table>
            <caption class="visually-hidden">Infra-envs</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">NTP sources</th>
                <th scope="col">Domains</th>
                <th scope="col">Created</th>
                <th scope="col">Hosts</th>
              </tr>
            </thead>
            <tbody>
              {infraEnvs.map((ie) => (
                <tr key={ie.id} aria-current={ie.id === selected ? 'true' : undefined}>
                  <td>
                    <a href={href('infra-envs', [ie.id])}>{ie.name}</a>
                  </td>
                  <td>
                    <code>{ie.id}</code>
                  </td>
                  <td>{ie.ntp_sources ?? ie.additional_ntp_sources ?? '–'}</td>
                  <td>{ie.domains_to_resolve?.join(', ') ?? '–'}</td>
                  <td>{age(ie.created_at)}</td>
                  <td>
                    <a href={href('hosts', [], { infra_env: ie.id })} aria-label={`Hosts of ${ie.name}`}>
                      hosts
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {current && (
        <Details
          key={current.id}
          infraEnv={current}
          onDeleted={() => {
            location.hash = href('infra-envs');
            void load();
          }}
        />
      )}
      <CreateForm
        onCreated={(created) => {
          location.hash = href('infra-envs', [created.id]);
          void load();
        }}
      />
    </>
  );
}
