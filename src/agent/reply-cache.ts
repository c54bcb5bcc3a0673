/**
 * Remembers the last successful output posted for each step type, so that an identical answer is
 * not sent again within the hour (upstream MGMT-6484). Cleared whenever polling fails, because the
 * service may have lost state while we could not reach it.
 */
export class ReplyCache {
  private readonly entries = new Map<string, { output: string; at: number }>();

  constructor(
    private readonly ttlMs = 60 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  isDuplicate(stepType: string, output: string): boolean {
    const entry = this.entries.get(stepType);
    if (!entry) return false;
    if (this.now() - entry.at > this.ttlMs) {
      this.entries.delete(stepType);
      return false;
    }
    return entry.output === output;
  }

  remember(stepType: string, output: string): void {
    this.entries.set(stepType, { output, at: this.now() });
  }

  clear(): void {
    this.entries.clear();
  }
}
