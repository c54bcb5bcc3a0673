import type { Argv, Options } from 'yargs';
import { loggingOptions, withOptions, type ParsedArgs } from './options.js';
import { withCommandRuntime } from '../commands/runtime.js';

type Runner = (argv: ParsedArgs) => Promise<number>;

/**
 * serve's flags are serve's alone: yargs makes options global by default, which would list them
 * all in (and let them be given to) `serve migrate-store`, which reads none of them.
 */
function withServeOnlyOptions(yargs: Argv, ...groups: Record<string, Options>[]): Argv {
  return withOptions(yargs, ...groups.map((group) => Object.fromEntries(Object.entries(group).map(([name, option]) => [name, { ...option, global: false }]))));
}
type Handler = (run: Runner) => (argv: ParsedArgs) => Promise<void>;

/** The service (`serve`) and the operator CLI (`infra-env`, `hosts`, `events`); their code loads only when used. */
export function registerServiceCommands(parser: Argv, handle: Handler): void {
  parser.command(
    'serve',
    'run the bundled service that agents register with (embedded store, no set-up)',
    (y: Argv) =>
      withServeOnlyOptions(
        y.command(
          'migrate-store',
          'copy the embedded store of a data dir (infra-envs, hosts, step results, events, logs) into PostgreSQL; safe to run again',
          (m: Argv) =>
            m.options({
              from: { type: 'string', demandOption: true, describe: 'the data dir of the embedded store' },
              to: { type: 'string', demandOption: true, describe: 'postgres://… of the database to copy into' },
              force: { type: 'boolean', default: false, describe: 'copy into a database that already holds infra-envs or hosts (what it holds is kept)' },
            }),
          handle(async (argv) => (await import('../commands/migrate-store.js')).migrateStoreCommand(argv)),
        ),
        {
          listen: { type: 'string', default: '127.0.0.1:8090', describe: 'host:port to listen on' },
          'data-dir': { type: 'string', default: process.env.INBAND_DATA_DIR ?? '/var/lib/inband', describe: 'where the database, logs and admin token live' },
          'database-url': {
            type: 'string',
            default: process.env.INBAND_DATABASE_URL ?? '',
            describe: 'postgres://user:password@host:port/db[?sslmode=verify-full&sslrootcert=ca.pem] to use PostgreSQL (shared by replicas) instead of the embedded store [env INBAND_DATABASE_URL]',
          },
          'database-pool': { type: 'number', describe: 'the most connections this process opens to PostgreSQL (default: 2 × cores + 1, at least 4)' },
          'tls-cert': { type: 'string', default: '', describe: 'PEM certificate for HTTPS' },
          'tls-key': { type: 'string', default: '', describe: 'PEM key for HTTPS' },
          'admin-token': { type: 'string', default: '', describe: 'operator token [env INBAND_ADMIN_TOKEN; else generated once and kept in the data dir]' },
          auth: { type: 'string', default: 'token', choices: ['token', 'none'], describe: 'none accepts every request: local experiments only' },
          'agent-image': { type: 'string', default: '', describe: 'agent image named in next_step_runner_command (default: the one the agent registered with); agent_source=podman discovery files run it' },
          'agent-binary': { type: 'string', array: true, default: [], describe: 'agent executable to hand out, one per architecture; repeat for more (default: this executable)' },
          'public-url': { type: 'string', default: process.env.INBAND_PUBLIC_URL ?? '', describe: 'URL hosts reach the service at, put in discovery files [env INBAND_PUBLIC_URL; default: the request\'s scheme and Host]' },
          'tls-ca': { type: 'string', default: '', describe: 'PEM CA bundle hosts must trust for --tls-cert (default: the --tls-cert file, right for a self-signed one)' },
          'boot-kernel-url': { type: 'string', default: '', describe: 'live kernel the iPXE script boots (e.g. a Fedora CoreOS live kernel)' },
          'boot-initrd-url': { type: 'string', default: '', describe: 'live initramfs the iPXE script boots' },
          'boot-rootfs-url': { type: 'string', default: '', describe: 'live rootfs image the initramfs fetches (coreos.live.rootfs_url)' },
          'boot-kernel-args': { type: 'string', default: '', describe: 'extra kernel arguments for the iPXE script, e.g. "console=tty0 console=ttyS0,115200n8"' },
          'max-log-bytes': { type: 'number', default: 262_144_000, describe: 'largest host logs archive accepted' },
          'poll-interval': { type: 'number', default: 60, describe: 'next_instruction_seconds sent to connected hosts (upstream: 60; doubled when disconnected)' },
          'max-connections': { type: 'number', default: 4096, describe: 'connections held at once; more are refused' },
          'headers-timeout': { type: 'number', default: 15, describe: 'seconds a client has to send its request headers' },
          'request-timeout': { type: 'number', default: 3600, describe: 'seconds a whole request may take to arrive (a 250 MB logs upload included)' },
          'idle-timeout': { type: 'number', default: 30, describe: 'seconds without a byte before a connection is closed' },
          'metrics-public': { type: 'boolean', default: false, describe: 'serve GET /metrics (Prometheus) without the operator token' },
        },
        loggingOptions({ journal: false, text: false }),
        { 'with-stdout-logging': { type: 'boolean', default: true, describe: 'log to stdout' } },
      ),
    handle(async (argv) => {
      const { serveCommand, serveFlags } = await import('../commands/serve.js');
      const flags = serveFlags(argv);
      return withCommandRuntime('inband-serve', argv, (log, signal) => serveCommand(flags, log, signal));
    }),
  );

  const ops = () => import('../commands/operator/operator-commands.js');
  const withOperator = (y: Argv): Argv => withOptions(y, operatorOptionsLazy());

  parser.command('infra-env', 'create, list and delete infra-envs; their discovery files and tokens', (y: Argv) =>
    y
      .command(
        'create',
        'create an infra-env; prints its agent token and the agent command line',
        (c: Argv) =>
          withOperator(c).options({
            name: { type: 'string', demandOption: true, describe: 'name of the infra-env' },
            'ntp-sources': { type: 'string', default: '', describe: 'comma-separated NTP sources hosts must sync with' },
            'additional-ntp-sources': { type: 'string', default: '', describe: 'comma-separated NTP sources added to the hosts\' own' },
            domains: { type: 'string', default: '', describe: 'comma-separated names every host must resolve' },
            'api-vip-url': { type: 'string', default: '', describe: 'ignition URL to fetch through the API VIP' },
            'dhcp-interface': { type: 'string', default: '', describe: 'interface for DHCP allocation of the VIPs' },
            'api-vip-mac': { type: 'string', default: '', describe: 'MAC for the API VIP lease' },
            'ingress-vip-mac': { type: 'string', default: '', describe: 'MAC for the ingress VIP lease' },
            'ssh-key': { type: 'string', default: '', describe: 'public key file (e.g. ~/.ssh/id_ed25519.pub) for logging in to discovery hosts as core' },
          }),
        handle(async (argv) => (await ops()).infraEnvCreate(argv)),
      )
      .command(
        'discovery <id>',
        'a discovery file of the infra-env: Ignition, cloud-init user-data or an iPXE script',
        (c: Argv) =>
          withOperator(c)
            .positional('id', { type: 'string', describe: 'infra-env ID' })
            .options({
              format: { type: 'string', default: 'ignition', choices: ['ignition', 'cloud-init', 'ipxe'], describe: 'which file' },
              'agent-source': { type: 'string', default: '', choices: ['', 'binary', 'podman'], describe: 'the agent from the service (binary, default) or the service\'s --agent-image through podman' },
              output: { type: 'string', default: '', describe: 'file to write (mode 0600: it holds the agent token); default stdout' },
            }),
        handle(async (argv) => (await ops()).infraEnvDiscovery(argv)),
      )
      .command(
        'rotate-token <id>',
        'replace the agent token and the download token (agents with the old one are refused)',
        (c: Argv) =>
          withOperator(c)
            .positional('id', { type: 'string', describe: 'infra-env ID' })
            .options({
              only: { type: 'string', default: '', choices: ['', 'agent', 'download'], describe: 'rotate just this one' },
              'valid-for': { type: 'string', default: '', describe: 'the new download token expires after this long (3600, 30m, 12h, 7d); default: until rotated' },
            }),
        handle(async (argv) => (await ops()).infraEnvRotateToken(argv)),
      )
      .command('list', 'list infra-envs', withOperator, handle(async (argv) => (await ops()).infraEnvList(argv)))
      .command(
        'delete <id>',
        'delete an infra-env with its hosts',
        (c: Argv) => withOperator(c).positional('id', { type: 'string', describe: 'infra-env ID' }),
        handle(async (argv) => (await ops()).infraEnvDelete(argv)),
      )
      .demandCommand(1, 'Name an infra-env command: create, list, delete, discovery, rotate-token'),
  );

  parser.command('hosts', 'list and inspect discovered hosts', (y: Argv) =>
    y
      .command(
        'list',
        'hosts with status, CPU, memory and eligible disks',
        (c: Argv) => withOperator(c).option('infra-env-id', { type: 'string', default: '', describe: 'only this infra-env' }),
        handle(async (argv) => (await ops()).hostsList(argv)),
      )
      .command(
        'show <host>',
        'one host: status, validations, inventory summary, step results',
        (c: Argv) =>
          withOperator(c)
            .positional('host', { type: 'string', describe: 'host ID' })
            .option('infra-env-id', { type: 'string', default: '', describe: 'its infra-env (found by search otherwise)' }),
        handle(async (argv) => (await ops()).hostsShow(argv)),
      )
      .command(
        'logs <host>',
        'download the host\'s uploaded logs, or --request new ones',
        (c: Argv) =>
          withOperator(c)
            .positional('host', { type: 'string', describe: 'host ID' })
            .options({
              'infra-env-id': { type: 'string', default: '', describe: 'its infra-env (found by search otherwise)' },
              request: { type: 'boolean', default: false, describe: 'ask the host to gather and upload logs' },
              output: { type: 'string', default: '', describe: 'where to save the archive (default logs_host_<id>.tar.gz)' },
            }),
        handle(async (argv) => (await ops()).hostsLogs(argv)),
      )
      .command(
        'find',
        'which host is on that switch port, or has that MAC, address or serial',
        (c: Argv) =>
          withOperator(c).options({
            switch: { type: 'string', default: '', describe: 'LLDP system name or chassis ID of the switch' },
            port: { type: 'string', default: '', describe: 'its port (LLDP port ID or description); with --switch' },
            mac: { type: 'string', default: '', describe: 'a NIC\'s MAC address (any notation)' },
            ip: { type: 'string', default: '', describe: 'an IPv4 or IPv6 address of a NIC or the BMC' },
            serial: { type: 'string', default: '', describe: 'a system, disk or memory module serial number' },
            'infra-env-id': { type: 'string', default: '', describe: 'only this infra-env' },
          }),
        handle(async (argv) => (await ops()).hostsFind(argv)),
      )
      .command(
        'firmware',
        'firmware versions across hosts by component and model; versions that differ from the most common are marked',
        (c: Argv) =>
          withOperator(c).options({
            component: { type: 'string', default: '', choices: ['', 'nic', 'disk', 'bios', 'bmc', 'gpu', 'cpu'], describe: 'only this kind of component' },
            'infra-env-id': { type: 'string', default: '', describe: 'only this infra-env' },
          }),
        handle(async (argv) => (await ops()).hostsFirmware(argv)),
      )
      .demandCommand(1, 'Name a hosts command: list, show, logs, find, firmware'),
  );

  parser.command(
    'events',
    'registration and status-change events',
    (y: Argv) =>
      withOperator(y).options({
        'infra-env-id': { type: 'string', default: '', describe: 'only this infra-env' },
        'host-id': { type: 'string', default: '', describe: 'only this host' },
        limit: { type: 'number', default: 100, describe: 'the newest N events' },
      }),
    handle(async (argv) => (await ops()).eventsList(argv)),
  );
}

/** The operator flags, defined here so that --help does not load the operator client. */
function operatorOptionsLazy() {
  return {
    server: { type: 'string' as const, default: process.env.INBAND_SERVER ?? 'http://127.0.0.1:8090', describe: 'the inband service [env INBAND_SERVER]' },
    token: { type: 'string' as const, default: '', describe: 'operator token [env INBAND_ADMIN_TOKEN; else <data-dir>/admin-token]' },
    'data-dir': { type: 'string' as const, default: process.env.INBAND_DATA_DIR ?? '/var/lib/inband', describe: 'where a local service keeps its admin-token file' },
    cacert: { type: 'string' as const, default: '', describe: 'PEM file of CAs trusted in addition to the system ones' },
    insecure: { type: 'boolean' as const, default: false, describe: 'do not verify the service\'s certificate' },
    json: { type: 'boolean' as const, default: false, describe: 'print JSON instead of a table' },
  };
}
