// The public status page (/status): every check's state and 24 h uptime, read-only. It is
// meant for `publicRead: true` (no token); a token saved on the dashboard is used when present.
import { apiGet, openStream, problemText, showLive } from './api.js';
import { el, formatTime, formatUptime, notice, replaceChildren, stateBadge, worstState } from './dom.js';

const $ = (id) => document.getElementById(id);
const page = { checks: new Map(), uptime: new Map(), loading: false };

const BANNERS = {
  up: 'All systems operational',
  down: 'Some systems are down',
  pending: 'Some systems are degraded',
  unknown: 'Status unknown',
  maintenance: 'Maintenance in progress',
  paused: 'Monitoring paused',
};

function render() {
  const checks = [...page.checks.values()];
  const overall = checks.length === 0 ? 'unknown' : worstState(checks.map((check) => ({ status: worstState(check.states) })));
  $('banner').dataset.state = overall;
  $('banner').textContent = checks.length === 0 ? 'No checks to show' : BANNERS[overall] ?? BANNERS.unknown;
  replaceChildren($('status-list'), ...checks.map((check) => el('li', { class: 'status-item', data: { checkId: check.id, state: worstState(check.states) } },
    el('span', { class: 'status-name', text: check.id }),
    el('span', { class: 'status-uptime', title: 'uptime over the last 24 hours', text: formatUptime(page.uptime.get(check.id)) }),
    stateBadge(worstState(check.states)))));
  $('updated').textContent = formatTime(new Date().toISOString());
}

async function load() {
  page.loading = true;
  const [checks, overview] = await Promise.all([apiGet('/checks'), apiGet('/overview')]);
  page.loading = false;
  if (!checks.ok) {
    notice($('notice'), checks.status === 401 ? 'This status page is not public.' : `The status cannot be read: ${problemText(checks)}`, 'error');
    $('banner').textContent = 'Status unavailable';
    return;
  }
  notice($('notice'), '');
  // Only what a status page needs: no labels, messages or regions.
  page.checks = new Map(checks.body.checks.map(({ id, states }) => [id, { id, states }]));
  page.uptime = new Map(overview.ok ? overview.body.checks.map((check) => [check.id, check.uptime24h]) : []);
  render();
}

function onChecks(data) {
  if (page.loading) return;
  if (data.changed.some((item) => !page.checks.has(item.id))) {
    void load();
    return;
  }
  for (const item of data.changed) page.checks.get(item.id).states = item.states;
  for (const id of data.removed) page.checks.delete(id);
  render();
}

void load();
openStream({ checks: onChecks, status: (status) => showLive($('live'), status) });
setInterval(() => void load(), 60_000);
