import { AGENT_CONTAINER, HOST_PATHS, type DiscoveryContext } from './context.js';
import { environmentLine, systemdCommand } from './quote.js';

/**
 * agent.service as discovery hosts run it, and the files it reads. Upstream's restart rules:
 * `Restart=always`, `RestartSec=3`, no start limit, so a host keeps trying until the service answers.
 * An agent refused for good (401/403/404/409) stays alive doing nothing, so this never loops on a refusal.
 */
export function agentUnit(ctx: DiscoveryContext): string {
  const service =
    ctx.delivery.kind === 'binary'
      ? [
          // Checks the binary Ignition placed, or downloads it (cloud-init); refuses a hash mismatch.
          `ExecStartPre=${systemdCommand([HOST_PATHS.fetchAgent, ctx.delivery.url, ctx.delivery.sha256, HOST_PATHS.agent, ...(ctx.serviceCaPem ? [HOST_PATHS.serviceCa] : [])])}`,
          `ExecStart=${systemdCommand([HOST_PATHS.agent, ...agentArguments(ctx, HOST_PATHS.serviceCa)])}`,
        ]
      : [
          `ExecStart=${systemdCommand([
            '/usr/bin/podman',
            'run',
            '--rm',
            '--replace',
            '--name',
            AGENT_CONTAINER,
            // The agent reads the host through /host and runs host tools from the image.
            '--privileged',
            '--network',
            'host',
            '--pid',
            'host',
            '--ipc',
            'host',
            '--volume',
            '/:/host',
            '--volume',
            '/dev:/dev',
            '--volume',
            '/run/systemd/journal:/run/systemd/journal',
            // Passed by name: the token stays out of the command line (ps shows it otherwise).
            '--env',
            'PULL_SECRET_TOKEN',
            ctx.delivery.image,
            ...agentArguments({ ...ctx, agentVersion: ctx.agentVersion ?? ctx.delivery.image }, `/host${HOST_PATHS.serviceCa}`),
            '--host-root',
            '/host',
          ])}`,
          `ExecStop=${systemdCommand(['/usr/bin/podman', 'stop', '--ignore', '--time', '10', AGENT_CONTAINER])}`,
        ];
  return [
    '[Unit]',
    'Description=inband discovery agent: registers this host with the discovery service and runs its steps',
    'Wants=network-online.target',
    'After=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    // PULL_SECRET_TOKEN and proxies, in a file only root can read.
    `EnvironmentFile=${HOST_PATHS.environment}`,
    ...service,
    'Restart=always',
    'RestartSec=3',
    // Downloading the agent (or pulling its image) over a slow provisioning network takes a while.
    'TimeoutStartSec=20min',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** upstream's agent command line: `--url … --infra-env-id … --agent-version … --insecure=… [--cacert …]`. */
function agentArguments(ctx: DiscoveryContext, caPath: string): string[] {
  return [
    'agent',
    '--url',
    ctx.serviceUrl,
    '--infra-env-id',
    ctx.infraEnvId,
    ...(ctx.agentVersion ? ['--agent-version', ctx.agentVersion] : []),
    '--insecure=false',
    ...(ctx.serviceCaPem ? ['--cacert', caPath] : []),
  ];
}

/** /etc/inband/agent.env: the agent token and the infra-env's proxies (both spellings: curl reads the lower-case ones). */
export function agentEnvironment(ctx: DiscoveryContext): string {
  const lines = [environmentLine('PULL_SECRET_TOKEN', ctx.agentToken)];
  const proxies: [string, string | undefined][] = [
    ['HTTP_PROXY', ctx.proxy?.httpProxy],
    ['HTTPS_PROXY', ctx.proxy?.httpsProxy],
    ['NO_PROXY', ctx.proxy?.noProxy],
  ];
  for (const [name, value] of proxies) {
    if (value) lines.push(environmentLine(name, value), environmentLine(name.toLowerCase(), value));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The fetch-and-verify step (agent.service's ExecStartPre). `curl` and `sha256sum` are on every
 * live image the files target; the pinned digest comes from the discovery files, so a binary
 * altered on the wire (plain HTTP) or on the service is never run. A binary already in place and
 * matching (Ignition fetched and verified it at boot) is kept without a download.
 */
export const FETCH_AGENT_SCRIPT = `#!/bin/sh
# inband-fetch-agent URL SHA256 DEST [CA_FILE]
# Written by the inband service into this host's discovery files; agent.service runs it before the
# agent. It runs nothing whose sha256 differs from the one the discovery files pin.
set -eu
if [ "$#" -lt 3 ]; then
  echo "usage: inband-fetch-agent URL SHA256 DEST [CA_FILE]" >&2
  exit 2
fi
url=$1
want=$2
dest=$3
ca=\${4:-}
matches() { printf '%s  %s\\n' "$want" "$1" | sha256sum --check --status 2>/dev/null; }
if [ -x "$dest" ] && matches "$dest"; then
  exit 0
fi
tmp="$dest.download"
rm -f "$tmp"
if [ -n "$ca" ]; then set -- --cacert "$ca"; else set --; fi
curl --fail --silent --show-error --location --compressed --retry 5 --retry-delay 3 --retry-connrefused \\
  --connect-timeout 10 --max-time 900 "$@" --output "$tmp" "$url"
if ! matches "$tmp"; then
  got=$(sha256sum "$tmp" | cut -d ' ' -f 1)
  rm -f "$tmp"
  echo "inband-fetch-agent: refusing $url: its sha256 is $got, but the discovery files pin $want" >&2
  exit 1
fi
chmod 0755 "$tmp"
mv -f "$tmp" "$dest"
`;
