import { terminalSafe } from '../../util/terminal-safe.js';

/**
 * A plain text table: a header row and left-aligned columns sized to their widest cell. Cells
 * hold what agents sent, so each is made terminal-safe here, once for every table.
 */
export function renderTable(headers: string[], rawRows: string[][]): string {
  const rows = rawRows.map((row) => row.map(terminalSafe));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "3m ago" style ages for timestamps, relative to now. */
export function age(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}
