/**
 * Upstream's tools use Go's flag package, which takes `-url X` as readily as `--url X`. Systemd units
 * and podman command lines written for them keep working once single-dash long flags are rewritten to
 * the double-dash form yargs parses. Single letters (-h) and everything after `--` stay as they are.
 */
export function normalizeGoFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const token of argv) {
    if (passthrough) {
      out.push(token);
      continue;
    }
    if (token === '--') {
      passthrough = true;
      out.push(token);
      continue;
    }
    out.push(/^-[A-Za-z][\w-]+(=.*)?$/s.test(token) ? `-${token}` : token);
  }
  return out;
}
