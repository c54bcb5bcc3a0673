import { randomUUID } from 'node:crypto';
import { LocalChangeFeed } from '../live/change-feed.js';
import type { Coordination, LeasedWork, LeaseName } from './coordination.js';

/**
 * The embedded store's coordination: one process is every replica, so each change goes to its
 * own listeners and every lease is always held.
 */
export class SoloCoordination extends LocalChangeFeed implements Coordination {
  readonly replicaId = randomUUID();
  readonly shared = false;
  private readonly work = new Set<LeasedWork>();

  constructor(private readonly onWorkError: (error: unknown) => void = () => {}) {
    super();
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {
    await Promise.all([...this.work].map((w) => w.stop()));
  }

  runLeased(_name: LeaseName, intervalMs: number, work: () => Promise<void>): LeasedWork {
    let running: Promise<void> | undefined;
    const timer = setInterval(() => {
      // A pass still running (a slow store) is not overtaken by the next one.
      running ??= work()
        .catch(this.onWorkError)
        .finally(() => {
          running = undefined;
        });
    }, intervalMs);
    const leased: LeasedWork = {
      held: true,
      stop: async () => {
        clearInterval(timer);
        await running;
        this.work.delete(leased);
      },
    };
    this.work.add(leased);
    return leased;
  }
}
