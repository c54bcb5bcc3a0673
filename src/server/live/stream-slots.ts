/** Counts open live streams per owner (a console session, or the bearer token) and in all. */
export class StreamSlots {
  private total = 0;
  private readonly byOwner = new Map<string, number>();

  constructor(
    private readonly perOwner: number,
    private readonly overall: number,
  ) {}

  /** A release function, or undefined when the owner or the service is at its limit. */
  take(owner: string): (() => void) | undefined {
    const held = this.byOwner.get(owner) ?? 0;
    if (held >= this.perOwner || this.total >= this.overall) return undefined;
    this.byOwner.set(owner, held + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byOwner.get(owner) ?? 1) - 1;
      if (left <= 0) this.byOwner.delete(owner);
      else this.byOwner.set(owner, left);
    };
  }

  get open(): number {
    return this.total;
  }
}
