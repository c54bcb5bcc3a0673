/**
 * Text from agents (hostnames, inventory strings, step errors) reaches an operator's terminal.
 * Control characters there could move the cursor, rewrite earlier lines or change the window
 * title, and bidi overrides could make a name read backwards, so each is shown as an escape
 * (`\x1b`, `\n`, `\u202e`) instead of being written raw.
 */
// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings, overrides and isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
