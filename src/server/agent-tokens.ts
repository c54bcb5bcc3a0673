/**
 * Which strings are agent tokens: every live infra-env's, and those of infra-envs deleted while
 * this service ran (the most recent DELETED_INFRA_ENVS_REMEMBERED). The agent check asks this
 * about a key whose infra-env it cannot find, to tell an agent of a deleted infra-env (404, which
 * stops it) from a caller without a token (401); see agentAuth in auth.ts.
 */
import { DELETED_INFRA_ENVS_REMEMBERED } from './limits.js';

export class AgentTokenIndex {
  private readonly live = new Set<string>();
  /** Insertion-ordered, so the oldest is evicted first. */
  private readonly deleted = new Set<string>();

  add(token: string): void {
    this.live.add(token);
    this.deleted.delete(token);
  }

  /** The infra-env was deleted: its token stays known, as a deleted one. */
  retire(token: string): void {
    if (!this.live.delete(token)) return;
    this.deleted.add(token);
    if (this.deleted.size > DELETED_INFRA_ENVS_REMEMBERED) this.deleted.delete(this.deleted.values().next().value as string);
  }

  /** The infra-env's token was rotated: the old one is no token at all from now on (401 everywhere). */
  replace(old: string, next: string): void {
    this.live.delete(old);
    this.deleted.delete(old);
    this.add(next);
  }

  has(token: string): boolean {
    return this.live.has(token) || this.deleted.has(token);
  }
}
