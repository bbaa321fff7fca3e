import type { StoredState } from './stored-state.js';

/** Subjects whose last written state is kept parsed; beyond it the oldest are forgotten. */
const DEFAULT_MAX_ENTRIES = 50_000;

/**
 * The states this evaluator last wrote, kept parsed next to the exact text it wrote. With the
 * rules on, a state holds several KB of windows, and parsing it back on every result cost as
 * much as all the rules' arithmetic. Redis stays the truth: a state is reused only when the
 * text read under WATCH is the text written, so another replica's write is always parsed.
 *
 * A state taken out is removed (the plan may change it in place, and a commit that loses a
 * conflict must not leave a changed object behind); a committed state is put back.
 */
export class ParsedStates {
  private readonly entries = new Map<string, { text: string; state: StoredState }>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  /** The state stored as `text` for `subject`, parsed at most once per write. */
  take(subject: string, text: string): StoredState {
    const entry = this.entries.get(subject);
    this.entries.delete(subject);
    if (entry !== undefined && entry.text === text) return entry.state;
    return JSON.parse(text) as StoredState;
  }

  /** Remembers a state this evaluator committed as `text`. */
  remember(subject: string, text: string, state: StoredState): void {
    this.entries.delete(subject);
    this.entries.set(subject, { text, state });
    // Map keeps insertion order, so the first key is the subject written longest ago.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
