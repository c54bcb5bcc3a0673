/**
 * JSON as upstream's generated Go models marshal it:
 * - object keys in the models' field order, which for these models is alphabetical;
 * - scalar fields carry `omitempty`, so "", 0 and false are left out (as is an absent optional object);
 * - array fields carry no `omitempty`: an empty slice is `[]`, a nil one is `null`, both kept;
 * - like encoding/json, <, > and & (and U+2028/U+2029) inside strings are written as \u escapes.
 */
export function encodeGoJson(value: unknown, keepZero: ReadonlySet<string> = NONE): string {
  return escapeLikeGo(JSON.stringify(pruneZeroScalars(value, '', keepZero)));
}

const NONE: ReadonlySet<string> = new Set();

/**
 * `keepZero` names the paths ("numa.nodes[].id") of fields that Go would declare as pointers, where
 * a 0 is a value and stays on the wire; undefined still means absent there.
 */
function pruneZeroScalars(value: unknown, at: string, keepZero: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => pruneZeroScalars(item, `${at}[]`, keepZero));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    const path = at === '' ? key : `${at}.${key}`;
    if (field === undefined || field === '' || field === false) continue;
    if (field === 0 && !keepZero.has(path)) continue;
    out[key] = pruneZeroScalars(field, path, keepZero);
  }
  return out;
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

// These characters only ever occur inside JSON strings, so a plain replace cannot touch structure.
function escapeLikeGo(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}
