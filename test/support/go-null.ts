/**
 * Go decodes a JSON null into a nil slice, but the swagger schemas say "array": before validating
 * Go-encoded output against them, null-valued fields are dropped (as a Go client would leave them).
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}
