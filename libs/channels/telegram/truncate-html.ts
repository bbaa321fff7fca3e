/** A tag, an entity, a surrogate pair or one character: the pieces a cut must not split. */
const PIECE = /<(\/?)([a-zA-Z][\w-]*)[^>]*>|&#?\w+;|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;

/**
 * At most `max` characters of Telegram HTML, still valid when cut: Telegram refuses the whole
 * message over a half tag, a half entity or an unclosed tag, so the cut falls between pieces,
 * adds "…" and closes the tags left open. It keeps as much as fits: cut, "…" and closers
 * only grow as the cut moves right, so the first cut that does not fit ends the search.
 */
export function truncateHtml(html: string, max: number): string {
  if (html.length <= max) return html;
  const open: string[] = [];
  let best = { end: 0, open: [] as string[] };
  for (const piece of html.matchAll(PIECE)) {
    const end = piece.index;
    if (end + 1 + closersLength(open) > max) break;
    best = { end, open: [...open] };
    const [, closing, name] = piece;
    if (name === undefined) continue;
    const tag = name.toLowerCase();
    if (!closing) open.push(tag);
    else if (open.lastIndexOf(tag) !== -1) open.splice(open.lastIndexOf(tag), 1);
  }
  return `${html.slice(0, best.end)}…${best.open.reverse().map((tag) => `</${tag}>`).join('')}`;
}

function closersLength(open: readonly string[]): number {
  return open.reduce((sum, tag) => sum + tag.length + 3, 0);
}
