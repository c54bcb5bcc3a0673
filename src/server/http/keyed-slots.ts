/**
 * Long-lived work (a logs upload, a live stream) counted per owner and in all, so that neither one
 * caller nor all of them together can hold more than their share of connections and files.
 */
export class KeyedSlots {
  private total = 0;
  private readonly byOwner = new Map<string, number>();

  constructor(
    private readonly perOwner: number,
    private readonly overall: number,
  ) {}

  /** A release function (idempotent), or undefined when the owner or the service is at its limit. */
  take(owner: string): (() => void) | undefined {
    const held = this.heldBy(owner);
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

  heldBy(owner: string): number {
    return this.byOwner.get(owner) ?? 0;
  }

  /** Whether `owner` is at its own limit (rather than the service at its overall one). */
  ownerFull(owner: string): boolean {
    return this.heldBy(owner) >= this.perOwner;
  }

  get open(): number {
    return this.total;
  }
}
