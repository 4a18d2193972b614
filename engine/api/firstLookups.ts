// The offset of each name's first lookup in a snapshot (facts.ts): a binding added after the
// statements a snapshot took over must not be a name those statements looked up (a lookup
// finds the binding of a name wherever it is, so a kept occurrence would stand for it).
//
// A snapshot made from kept statements shares the previous table for the offsets before
// its cut, and holds its own lookups beside it: an edit at the end of a long file so copies
// none of the file's names (a copy per edit was a tenth of the snapshot's time), only the few
// looked up since the shared table was made, until they are many enough to make a new one.

export class FirstLookups {
  private constructor(
    /** Shared with earlier snapshots: only the entries before `sharedCut` are this one's. */
    private readonly shared: ReadonlyMap<string, number> | null,
    private readonly sharedCut: number,
    /** Lookups at or after `sharedCut` (and shared entries hidden by the cut). */
    private readonly own: Map<string, number>,
  ) {}

  static empty(): FirstLookups {
    return new FirstLookups(null, 0, new Map());
  }

  /** The offset of the first lookup of `name`, if any. */
  get(name: string): number | undefined {
    const at = this.shared?.get(name);
    return at !== undefined && at < this.sharedCut ? at : this.own.get(name);
  }

  /** A lookup of `name` at `at` (which is after every lookup noted so far). */
  note(name: string, at: number): void {
    if (this.get(name) === undefined) this.own.set(name, at);
  }

  /** The lookups before `cut`, to go on from (this one is left as it is). */
  before(cut: number): FirstLookups {
    if (this.shared && cut <= this.sharedCut) return new FirstLookups(this.shared, cut, new Map());
    const own = new Map<string, number>();
    for (const [name, at] of this.own) if (at < cut) own.set(name, at);
    // Many own entries: one table again, so that a lookup reads at most two.
    if (!this.shared || own.size > 256 + this.shared.size / 4) {
      const all = new Map<string, number>();
      if (this.shared) for (const [name, at] of this.shared) if (at < this.sharedCut) all.set(name, at);
      for (const [name, at] of own) all.set(name, at);
      return new FirstLookups(all, cut, new Map());
    }
    return new FirstLookups(this.shared, this.sharedCut, own);
  }
}
