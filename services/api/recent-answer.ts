/**
 * An answer computed at most once per `maxAgeMs` for one configuration, shared by every request
 * in that time, including those arriving while it is being computed: a list of 10,000 checks
 * polled by many dashboards costs one computation a second, not one per poll. A failed
 * computation is not kept.
 */
export class RecentAnswer<Key extends object, Value> {
  private entry: { key: Key; madeAtMs: number; value: Promise<Value> } | undefined;

  constructor(private readonly maxAgeMs: number) {}

  get(key: Key, nowMs: number, compute: () => Promise<Value>): Promise<Value> {
    const entry = this.entry;
    // A clock that went back (tests, NTP) recomputes rather than serving an answer from the future.
    if (entry && entry.key === key && nowMs >= entry.madeAtMs && nowMs - entry.madeAtMs < this.maxAgeMs) return entry.value;
    const fresh = { key, madeAtMs: nowMs, value: compute() };
    this.entry = fresh;
    fresh.value.catch(() => {
      if (this.entry === fresh) this.entry = undefined;
    });
    return fresh.value;
  }
}
