import { randomUUID } from 'node:crypto';
import { ChangeListeners, type Change, type ChangeListener, type Coordination, type LeasedWork, type LeaseName } from './coordination.js';

/**
 * The embedded store's coordination: one process is every replica, so each change is delivered
 * to its own listeners and every lease is always held.
 */
export class SoloCoordination implements Coordination {
  readonly replicaId = randomUUID();
  private readonly listeners: ChangeListeners;
  private readonly work = new Set<LeasedWork>();

  constructor(private readonly onError: (error: unknown) => void = () => {}) {
    this.listeners = new ChangeListeners(onError);
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {
    await Promise.all([...this.work].map((w) => w.stop()));
  }

  async announce(change: Change): Promise<void> {
    this.listeners.emit(change, 'local');
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
  }

  runLeased(_name: LeaseName, intervalMs: number, work: () => Promise<void>): LeasedWork {
    const timer = setInterval(() => void work().catch(this.onError), intervalMs);
    const leased: LeasedWork = {
      held: true,
      stop: async () => {
        clearInterval(timer);
        this.work.delete(leased);
      },
    };
    this.work.add(leased);
    return leased;
  }
}
