// A check's page (/checks/:id): its state per region, uptime over 24 h / 7 d / 30 d, latency
// over a chosen range, and its state changes. The state follows the stream; a change also
// re-reads the timeline.
import { apiGet, bindTokenForm, openStream, problemText, showLive } from './api.js';
import { latencyChart } from './charts.js';
import { el, formatAgo, formatTime, formatUptime, formatMs, labelChips, notice, replaceChildren, stateBadge, worstState } from './dom.js';

const RANGE_KEY = 'vigil.range';
const RANGES = ['1h', '24h', '7d', '30d'];
const HISTORY_POINTS = 200;

const $ = (id) => document.getElementById(id);
const checkId = (() => {
  try {
    return decodeURIComponent(location.pathname.split('/')[2] ?? '');
  } catch {
    // A malformed escape: shown as typed, and the api answers 404 for it.
    return location.pathname.split('/')[2] ?? '';
  }
})();
const page = { check: undefined, chart: undefined, range: RANGES.includes(localStorage.getItem(RANGE_KEY)) ? localStorage.getItem(RANGE_KEY) : '24h' };

function renderHead() {
  const check = page.check;
  document.title = `${checkId} – Vigil`;
  $('check-title').replaceChildren(el('span', { text: checkId }), ' ', stateBadge(check ? worstState(check.states) : 'unknown'));
  if (!check) return;
  $('check-meta').textContent = `${check.type} check${check.paused ? ' (paused)' : ''}, regions: ${check.regions.join(', ')}`;
  replaceChildren($('check-labels'), labelChips(check.labels));
  replaceChildren($('regions'), ...check.states.map((state) => el('li', { data: { region: state.region } },
    el('span', { class: 'region', text: state.region }), ' ', stateBadge(state.status),
    el('span', { class: 'since', title: state.since ?? '', text: ` since ${formatAgo(state.since)}` }),
    state.lastMessage ? el('span', { class: 'region-message', text: ` – ${state.lastMessage}` }) : null)));
}

function renderTimeline(transitions) {
  replaceChildren($('timeline'), ...transitions.map((transition) => el('li', { class: 'transition', data: { to: transition.to } },
    el('time', { datetime: transition.at, title: transition.at, text: formatTime(transition.at) }), ' ',
    el('span', { class: 'subject', text: transition.subject }), ' ',
    stateBadge(transition.from), el('span', { class: 'arrow', text: ' → ' }), stateBadge(transition.to),
    transition.reason ? el('span', { class: 'reason', text: ` ${transition.reason}` }) : null)));
  $('timeline-empty').hidden = transitions.length > 0;
}

async function loadCheck() {
  const answer = await apiGet(`/checks/${encodeURIComponent(checkId)}`);
  if (!answer.ok) {
    notice($('notice'), answer.status === 404 ? `No check has the id "${checkId}".` : `Could not read this check: ${problemText(answer)}`, 'error');
    renderHead();
    return;
  }
  notice($('notice'), '');
  page.check = answer.body.check;
  renderHead();
  renderTimeline(answer.body.transitions);
}

async function loadUptime() {
  const answer = await apiGet(`/checks/${encodeURIComponent(checkId)}/uptime`);
  const windows = new Map(answer.ok ? answer.body.windows.map((window) => [window.window, window]) : []);
  replaceChildren($('uptime'), ...['24h', '7d', '30d'].map((name) => {
    const window = windows.get(name);
    return el('div', { class: 'tile', data: { window: name } },
      el('span', { class: 'tile-label', text: name }),
      el('span', { class: 'tile-value', text: formatUptime(window?.uptime) }),
      el('span', { class: 'tile-detail', text: window ? `p50 ${formatMs(window.latencyP50Ms)} · p95 ${formatMs(window.latencyP95Ms)}` : '' }));
  }));
  if (!answer.ok && answer.status !== 404) $('uptime').append(el('p', { class: 'empty', text: `Uptime is not available: ${problemText(answer)}` }));
}

async function loadHistory() {
  for (const button of $('ranges').querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.range === page.range));
  const answer = await apiGet(`/checks/${encodeURIComponent(checkId)}/history?range=${page.range}&points=${HISTORY_POINTS}`);
  page.chart?.destroy();
  page.chart = undefined;
  const empty = $('latency-empty');
  const points = answer.ok ? answer.body.points : [];
  if (!answer.ok || points.every((point) => point.latencyP50Ms === null)) {
    $('latency-chart').replaceChildren();
    $('latency-chart').hidden = true;
    empty.hidden = false;
    empty.textContent = answer.ok ? `No latency measured in the last ${page.range}.` : `Latency history is not available: ${problemText(answer)}`;
    return;
  }
  empty.hidden = true;
  page.chart = latencyChart($('latency-chart'), points);
}

function onChecks(data) {
  const item = data.changed.find((changed) => changed.id === checkId);
  if (!item || !page.check) return;
  const before = JSON.stringify(page.check.states.map((state) => state.status));
  page.check.states = item.states;
  page.check.paused = item.paused;
  renderHead();
  if (JSON.stringify(item.states.map((state) => state.status)) !== before) void loadCheck();
}

function start() {
  $('ranges').addEventListener('click', (event) => {
    const range = event.target.closest('button')?.dataset.range;
    if (!range) return;
    page.range = range;
    localStorage.setItem(RANGE_KEY, range);
    void loadHistory();
  });
  const loadAll = () => Promise.all([loadCheck(), loadUptime(), loadHistory()]);
  const stream = openStream({ checks: onChecks, status: (status) => showLive($('live'), status) });
  bindTokenForm($('token-form'), () => {
    void loadAll();
    stream.restart();
  });
  void loadAll();
}

start();
