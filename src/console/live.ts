import { API } from './api.js';
import type { HostStatus, ServiceEvent } from './model.js';

/** What the service's live stream (`GET /v2/changes`) sends, a batch per message. */
export type LiveChange =
  | { kind: 'host'; infra_env_id: string; host_id: string; status: HostStatus; status_info: string; updated_at: string }
  | { kind: 'host-removed'; infra_env_id: string; host_id: string }
  | { kind: 'infra-env' | 'infra-env-removed'; infra_env_id: string }
  | { kind: 'event'; event: ServiceEvent }
  /** Changes were missed (a reconnect, or too many at once): reload what is shown. */
  | { kind: 'resync' };

export type LiveState = 'connecting' | 'live' | 'reconnecting';

type Listener = (changes: LiveChange[]) => void;

/**
 * One EventSource for the whole console. EventSource reconnects by itself after a dropped
 * connection; after a refusal (401, 429) it gives up, so this opens a new one a little later.
 * Whatever happened while disconnected is unknown: every reconnect is announced as a resync.
 */
export class LiveChanges {
  private source: EventSource | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(state: LiveState) => void>();
  private wasOpen = false;
  private retry: number | undefined;
  state: LiveState = 'connecting';

  start(): void {
    this.stop();
    const source = new EventSource(`${API}/v2/changes`);
    this.source = source;
    source.addEventListener('open', () => {
      if (this.wasOpen) this.emit([{ kind: 'resync' }]);
      this.wasOpen = true;
      this.setState('live');
    });
    source.addEventListener('changes', (message) => {
      try {
        this.emit(JSON.parse((message as MessageEvent<string>).data) as LiveChange[]);
      } catch {
        this.emit([{ kind: 'resync' }]);
      }
    });
    source.addEventListener('error', () => {
      this.setState('reconnecting');
      if (source.readyState === EventSource.CLOSED) this.retry = window.setTimeout(() => this.start(), 2_000);
    });
  }

  stop(): void {
    if (this.retry !== undefined) window.clearTimeout(this.retry);
    this.source?.close();
    this.source = undefined;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private emit(changes: LiveChange[]): void {
    for (const listener of this.listeners) listener(changes);
  }

  private setState(state: LiveState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

export const live = new LiveChanges();
