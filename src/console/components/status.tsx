import type { HostStatus } from '../model.js';

/** A symbol and a word for every status: colour is never the only cue. */
const STATUS_LOOK: Record<HostStatus, { symbol: string; label: string }> = {
  known: { symbol: '✔', label: 'known' },
  insufficient: { symbol: '⚠', label: 'insufficient' },
  discovering: { symbol: '…', label: 'discovering' },
  disconnected: { symbol: '✖', label: 'disconnected' },
};

export function StatusBadge({ status }: { status: HostStatus }) {
  const look = STATUS_LOOK[status] ?? { symbol: '?', label: status };
  return (
    <span class={`status status-${status}`}>
      <span aria-hidden="true">{look.symbol} </span>
      {look.label}
    </span>
  );
}

const VALIDATION_SYMBOL: Record<string, string> = { success: '✔', failure: '✖', pending: '…', error: '✖', disabled: '–' };

export function ValidationBadge({ status }: { status: string }) {
  return (
    <span class={`status validation-${status}`}>
      <span aria-hidden="true">{VALIDATION_SYMBOL[status] ?? '?'} </span>
      {status}
    </span>
  );
}
