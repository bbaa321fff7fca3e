// DOM helpers: every piece of text goes in through textContent (or an attribute set with
// setAttribute), never parsed as HTML, so labels, messages and ids from the API are shown
// as text whatever they contain.

/**
 * el('span', { class: 'state', text: 'down', title: '…', data: { checkId: 'x' } }, child, …)
 * Children are nodes, strings (text nodes) or null/undefined (skipped).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key === 'data') for (const [name, text] of Object.entries(value)) node.dataset[name] = String(text);
    else if (key === 'on') for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else if (key === 'disabled' || key === 'checked') node[key] = Boolean(value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Replaces every child of `node`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren(...children.filter((child) => child !== null && child !== undefined && child !== false));
}

export const DASH = '–';

/** A number of milliseconds, or the dash for null / undefined. */
export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}

/** A ratio 0..1 as a percentage, or the dash. Two decimals: 99.95 % and 100 % must not look alike. */
export function formatUptime(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return DASH;
  if (ratio >= 1) return '100 %';
  return `${(Math.floor(ratio * 10_000) / 100).toFixed(2)} %`;
}

/** "3 min ago", for an ISO time; the dash when there is none. */
export function formatAgo(iso, nowMs = Date.now()) {
  if (!iso) return DASH;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return DASH;
  const seconds = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export function formatTime(iso) {
  if (!iso) return DASH;
  const date = new Date(iso);
  return Number.isFinite(date.getTime()) ? date.toLocaleString() : DASH;
}

/** Worst first: a check shows the worst state of its regions. */
const STATE_ORDER = ['down', 'pending', 'unknown', 'maintenance', 'paused', 'up'];

export function worstState(states) {
  if (!states || states.length === 0) return 'unknown';
  return states.map((state) => state.status).sort((a, b) => rank(a) - rank(b))[0];
}

function rank(status) {
  const index = STATE_ORDER.indexOf(status);
  return index === -1 ? STATE_ORDER.indexOf('unknown') : index;
}

/** A coloured badge with the state's word: colour alone must not carry the meaning. */
export function stateBadge(status) {
  const known = STATE_ORDER.includes(status) ? status : 'unknown';
  return el('span', { class: `state state-${known}`, text: status ?? 'unknown', data: { state: known } });
}

/** key=value chips for a labels object. */
export function labelChips(labels) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return null;
  return el('ul', { class: 'labels' }, ...entries.map(([name, value]) => el('li', { class: 'label', text: `${name}=${value}` })));
}

/** A one-line notice in the page's status area (errors, "reads need a token"). */
export function notice(area, text, kind = 'info') {
  if (!area) return;
  if (!text) {
    area.hidden = true;
    area.textContent = '';
    return;
  }
  area.hidden = false;
  area.className = `notice notice-${kind}`;
  area.textContent = text;
}
