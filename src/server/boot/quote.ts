/**
 * Quoting for the three languages discovery files are written in. Values come from the service's
 * own records (UUIDs, tokens, checked URLs, image references), but are quoted as if they were not:
 * a control character is refused outright, since no quoting makes it harmless in all three.
 */

function refuseControlCharacters(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`${what} ${JSON.stringify(value)} holds a control character`);
}

/**
 * One word of a systemd command line (systemd.service(5) "Command lines"): double-quoted when it
 * holds anything but plain characters, with `\` and `"` escaped, and `%` and `$` doubled so that
 * neither a specifier nor a variable is expanded.
 */
export function systemdWord(value: string): string {
  refuseControlCharacters(value, 'a systemd command-line word');
  const literal = value.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(literal) && literal !== '') return literal;
  return `"${literal.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function systemdCommand(argv: readonly string[]): string {
  return argv.map(systemdWord).join(' ');
}

/** One `KEY=value` line of an EnvironmentFile (double-quoted; systemd removes the quotes and escapes). */
export function environmentLine(key: string, value: string): string {
  if (!/^[A-Z_][A-Z0-9_]*$/i.test(key)) throw new Error(`environment variable name ${JSON.stringify(key)}`);
  refuseControlCharacters(value, `the value of ${key}`);
  return `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$').replace(/`/g, '\\`')}"`;
}
