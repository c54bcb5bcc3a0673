/**
 * How much JSON a text may hold before it is parsed. JSON.parse's cost follows the number of
 * values, not the bytes: 1 MiB of `{},{},…` takes ~45 ms on this machine, while 1 MiB of one
 * string takes ~1 ms. A scan that counts containers and values first (and stops at the first one
 * over the budget) keeps any accepted text's parse within a few milliseconds.
 */

export interface JsonBudget {
  /** Objects and arrays, the values that cost most to build. */
  maxContainers: number;
  /** Every comma-separated value, containers included. */
  maxValues: number;
  maxDepth: number;
}

/** Why a text is over its budget, or undefined when it fits. Malformed text is left to JSON.parse. */
export function overJsonBudget(text: string, budget: JsonBudget): string | undefined {
  let containers = 0;
  let values = 0;
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: to the next quote that no odd run of backslashes escapes.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end < 0) return undefined;
        let backslashes = 0;
        for (let k = end - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
        i = end;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++containers > budget.maxContainers) return `more than ${budget.maxContainers} objects and arrays`;
      if (++values > budget.maxValues) return `more than ${budget.maxValues} values`;
      if (++depth > budget.maxDepth) return `nested deeper than ${budget.maxDepth} levels`;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      if (++values > budget.maxValues) return `more than ${budget.maxValues} values`;
    }
  }
  return undefined;
}
