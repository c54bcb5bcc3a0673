/**
 * Reads a systemd unit the way systemd does, for the parts a discovery host depends on: sections
 * and keys (with line continuations and comments), command lines (systemd.service(5) "Command
 * lines": prefixes, quoting, escapes, `%%` and `$$`), Environment= and EnvironmentFile=. Anything
 * else in a command line (a specifier, a variable) throws: the generator does not write those, and
 * a change that starts to must change this reader knowingly.
 */

export type UnitFile = Map<string, Map<string, string[]>>;

export function parseUnit(text: string): UnitFile {
  const unit: UnitFile = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] as string).trim();
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${(lines[++i] as string).trim()}`;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1] as string, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 1) throw new Error(`unit line ${i + 1} is neither a section nor Key=Value: ${line}`);
    const key = line.slice(0, eq).trim();
    const values = section.get(key) ?? [];
    values.push(line.slice(eq + 1).trim());
    section.set(key, values);
  }
  return unit;
}

export function unitValues(unit: UnitFile, section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}

/** Splits into words: whitespace separates, quotes group, backslash escapes (C style) inside and out. */
function words(text: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const escapes: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'", ' ': ' ' };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[++i] ?? '';
      const unescaped = escapes[next];
      if (unescaped === undefined) throw new Error(`unsupported escape \\${next} in ${text}`);
      word += unescaped;
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in ${text}`);
  if (inWord) out.push(word);
  return out;
}

function literal(word: string, where: string): string {
  return word.replace(/%(.)|\$(.?)/g, (match, specifier: string | undefined, variable: string | undefined) => {
    if (specifier === '%') return '%';
    if (variable === '$') return '$';
    throw new Error(`${where}: ${match} would be expanded by systemd (this reader does not expand it)`);
  });
}

export interface Command {
  argv: string[];
  /** `-` prefix: a failure does not fail the unit. */
  ignoreFailure: boolean;
}

/** An Exec*= value as systemd runs it. */
export function parseCommand(value: string): Command {
  const prefix = /^[-@:+!]*/.exec(value)?.[0] ?? '';
  if (prefix.includes('@') || prefix.includes('!') || prefix.includes('+') || prefix.includes(':')) {
    throw new Error(`command prefix ${prefix} is not one this reader runs as systemd would`);
  }
  const argv = words(value.slice(prefix.length)).map((w) => literal(w, value));
  if (argv.length === 0 || !(argv[0] as string).startsWith('/')) throw new Error(`${value}: systemd wants an absolute path first`);
  return { argv, ignoreFailure: prefix.includes('-') };
}

/** Environment= values: each word an assignment. */
export function parseEnvironmentAssignments(value: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of words(value)) {
    const eq = word.indexOf('=');
    if (eq < 1) throw new Error(`Environment= word without =: ${word}`);
    env[word.slice(0, eq)] = literal(word.slice(eq + 1), value);
  }
  return env;
}

/** An EnvironmentFile: KEY=VALUE lines, `#`/`;` comments, double quotes with \\ \" \$ \` escapes, single quotes literal. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`EnvironmentFile line is not KEY=VALUE: ${line}`);
    let value = match[2] as string;
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
    else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1);
    env[match[1] as string] = value;
  }
  return env;
}
