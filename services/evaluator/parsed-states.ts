import type { StoredState } from './stored-state.js';

/** Subjects whose last written state is kept parsed; beyond it the oldest are forgotten. */
const DEFAULT_MAX_ENTRIES = 50_000;

export interface KeptState {
  /** The whole state, rule memory included: possibly newer than the memory written to Redis. */
  state: StoredState;
  /** When this subject's rule memory was last written to Redis (epoch ms), 0 if never by us. */
  memoryWrittenAtMs: number;
  /** The kept memory is newer than the one in Redis. */
  memoryDirty: boolean;
}

/**
 * The states this evaluator last committed, kept parsed next to the exact text of the state
 * (rule memory aside) it wrote. Redis stays the truth: a kept state is used only when the
 * text read under WATCH is the text written, so another replica's write is always read.
 *
 * Rule memory (samples, streaks: evaluate.ts) is written to Redis at most every few seconds;
 * in between, the kept copy is the newest. A state taken out is removed (the plan may change
 * it in place, and a commit that loses a conflict must not leave a changed object behind); a
 * committed state is put back.
 */
export class ParsedStates {
  private readonly entries = new Map<string, KeptState & { text: string }>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  /** The kept state of `subject` if Redis still holds the state text this evaluator wrote. */
  take(subject: string, text: string): KeptState | undefined {
    const entry = this.entries.get(subject);
    this.entries.delete(subject);
    if (entry === undefined || entry.text !== text) return undefined;
    return { state: entry.state, memoryWrittenAtMs: entry.memoryWrittenAtMs, memoryDirty: entry.memoryDirty };
  }

  /** Remembers a state this evaluator committed, its text as written (without the rule memory). */
  remember(subject: string, text: string, kept: KeptState): void {
    this.entries.delete(subject);
    this.entries.set(subject, { text, ...kept });
    // Map keeps insertion order, so the first key is the subject written longest ago.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Kept rule memories newer than what Redis holds: what a stopping evaluator writes out. */
  unwrittenMemories(): Array<{ subject: string; memory: NonNullable<StoredState['memory']> }> {
    return [...this.entries].flatMap(([subject, entry]) => (entry.state.memory !== undefined && entry.memoryDirty ? [{ subject, memory: entry.state.memory }] : []));
  }

  get size(): number {
    return this.entries.size;
  }
}
