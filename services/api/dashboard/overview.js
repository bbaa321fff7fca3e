// The overview (/): a card per check and per watch with its state, latency sparkline and 24 h
// uptime, and the firing alerts with Acknowledge and Silence. States and alerts follow the
// stream; the sparklines and uptimes (InfluxDB, cached 30 s by the api) are re-read each minute.
import { apiGet, apiPost, applyDiff, bindTokenForm, openStream, problemText, showLive, storedName, storedToken } from './api.js';
import { sparkline } from './charts.js';
import { el, formatAgo, formatMs, formatUptime, labelChips, notice, replaceChildren, stateBadge, worstState } from './dom.js';

const OVERVIEW_REFRESH_MS = 60_000;
const SILENCE_DURATION = '1h';

const page = {
  checks: new Map(), // id → /checks item (labels, type) with states from the stream
  watches: new Map(),
  alerts: new Map(), // fingerprint → alert
  overview: new Map(), // id → { uptime24h, latencyMs, sparkline }
  cards: new Map(), // id → { card, state, latency, uptime, spark }
  // What the stream has said, newer than any list read while it was connected: a list answer
  // that arrives after a stream event must not put older states back.
  liveStates: undefined, // id → stream check item
  liveAlerts: false, // whether page.alerts follows the stream
  silenced: new Map(), // fingerprint → endsAt of the silence made here, kept across re-renders
  loading: false,
};

const $ = (id) => document.getElementById(id);

function checkCard(check) {
  const state = el('span', { class: 'card-state' });
  const latency = el('span', { class: 'metric-value', data: { metric: 'latency' } });
  const uptime = el('span', { class: 'metric-value', data: { metric: 'uptime24h' } });
  const spark = el('div', { class: 'sparkline' });
  const message = el('p', { class: 'card-message' });
  const card = el('article', { class: 'card', data: { checkId: check.id } },
    el('header', { class: 'card-head' },
      el('a', { class: 'card-title', href: `/checks/${encodeURIComponent(check.id)}`, text: check.id }),
      state),
    el('p', { class: 'card-type', text: check.type }),
    labelChips(check.labels),
    spark,
    el('dl', { class: 'metrics' },
      el('div', {}, el('dt', { text: 'latency' }), el('dd', {}, latency)),
      el('div', {}, el('dt', { text: 'uptime 24h' }), el('dd', {}, uptime))),
    message);
  return { card, state, latency, uptime, spark, message };
}

function showCheckState(id) {
  const check = page.checks.get(id);
  const parts = page.cards.get(id);
  if (!check || !parts) return;
  const worst = worstState(check.states);
  parts.card.dataset.state = worst;
  replaceChildren(parts.state, stateBadge(worst));
  const failing = (check.states ?? []).find((state) => state.status === worst && state.lastMessage);
  parts.message.textContent = failing && worst !== 'up' ? failing.lastMessage : '';
  parts.state.title = (check.states ?? []).map((state) => `${state.region}: ${state.status} since ${formatAgo(state.since)}`).join('\n');
}

function showCheckMetrics(id) {
  const parts = page.cards.get(id);
  if (!parts) return;
  const metrics = page.overview.get(id);
  parts.latency.textContent = formatMs(metrics?.latencyMs);
  parts.uptime.textContent = formatUptime(metrics?.uptime24h);
  parts.chart?.destroy();
  parts.chart = sparkline(parts.spark, metrics?.sparkline);
}

function renderChecks() {
  const grid = $('check-grid');
  for (const parts of page.cards.values()) parts.chart?.destroy();
  page.cards.clear();
  const cards = [...page.checks.values()].map((check) => {
    const parts = checkCard(check);
    page.cards.set(check.id, parts);
    return parts.card;
  });
  replaceChildren(grid, ...(cards.length > 0 ? cards : [el('p', { class: 'empty', text: 'No check is configured.' })]));
  for (const id of page.checks.keys()) {
    showCheckState(id);
    showCheckMetrics(id);
  }
}

function renderWatches() {
  const section = $('watches-section');
  section.hidden = page.watches.size === 0;
  replaceChildren($('watch-grid'), ...[...page.watches.values()].map((watch) => {
    const hosts = watch.hosts ?? [];
    const worst = hosts.length === 0 ? 'unknown' : worstState(hosts);
    return el('article', { class: 'card', data: { watchId: watch.id, state: worst } },
      el('header', { class: 'card-head' }, el('span', { class: 'card-title', text: watch.id }), el('span', { class: 'card-state' }, stateBadge(worst))),
      el('p', { class: 'card-type', text: (watch.paths ?? []).join(', ') }),
      labelChips(watch.labels),
      hosts.length === 0
        ? el('p', { class: 'card-message', text: 'no host reports this watch yet' })
        : el('ul', { class: 'hosts' }, ...hosts.map((host) => el('li', {},
          el('span', { text: host.host }), ' ', stateBadge(host.status),
          ...host.firing.map((firing) => el('span', { class: 'firing', text: ` ${firing.rule}: ${firing.path}` }))))));
  }));
}

function alertItem(alert, canWrite) {
  const status = el('span', { class: 'alert-status' });
  const ack = alert.acknowledged;
  const actions = el('div', { class: 'alert-actions' });
  if (ack) {
    status.append(el('span', { class: 'acked', data: { acknowledged: 'true' }, text: `acknowledged by ${ack.by} ${formatAgo(ack.at)}` }));
    if (ack.comment) status.append(el('span', { class: 'ack-comment', text: ` – ${ack.comment}` }));
  }
  const why = canWrite ? undefined : 'needs an admin token (enter one above)';
  if (!ack) actions.append(el('button', { type: 'button', data: { action: 'ack' }, disabled: !canWrite, title: why, text: 'Acknowledge', on: { click: (event) => acknowledge(alert, event.currentTarget) } }));
  const silencedUntil = page.silenced.get(alert.fingerprint);
  if (silencedUntil) actions.append(el('button', { type: 'button', data: { action: 'silence' }, disabled: true, text: `silenced until ${new Date(silencedUntil).toLocaleTimeString()}` }));
  else actions.append(el('button', { type: 'button', data: { action: 'silence' }, disabled: !canWrite, title: why, text: `Silence ${SILENCE_DURATION}`, on: { click: (event) => silence(alert, event.currentTarget) } }));
  const checkId = alert.labels.check;
  return el('li', { class: 'alert', data: { fingerprint: alert.fingerprint, acknowledged: ack ? 'true' : 'false' } },
    el('header', { class: 'alert-head' },
      el('strong', { class: 'alert-name', text: alert.labels.alertname ?? alert.rule }),
      ' ',
      checkId ? el('a', { href: `/checks/${encodeURIComponent(checkId)}`, text: alert.subject }) : el('span', { text: alert.subject }),
      el('span', { class: 'alert-since', title: alert.startsAt, text: ` since ${formatAgo(alert.startsAt)}` })),
    alert.annotations?.description ? el('p', { class: 'alert-description', text: alert.annotations.description }) : null,
    labelChips(alert.labels),
    status,
    actions,
    el('p', { class: 'alert-error', hidden: true }));
}

function renderAlerts() {
  const alerts = [...page.alerts.values()].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  const canWrite = storedToken() !== '';
  replaceChildren($('alert-list'), ...alerts.map((alert) => alertItem(alert, canWrite)));
  $('no-alerts').hidden = alerts.length > 0;
  $('alert-count').textContent = alerts.length > 0 ? `(${alerts.length})` : '';
}

function actionFailed(button, answer) {
  button.disabled = false;
  const error = button.closest('.alert')?.querySelector('.alert-error');
  if (error) {
    error.hidden = false;
    error.textContent = problemText(answer);
  }
}

async function acknowledge(alert, button) {
  button.disabled = true;
  const answer = await apiPost(`/alerts/${encodeURIComponent(alert.fingerprint)}/ack`, { by: storedName(), comment: 'acknowledged on the dashboard' });
  if (!answer.ok) return actionFailed(button, answer);
  const current = page.alerts.get(alert.fingerprint);
  if (current) current.acknowledged = { by: answer.body.by, comment: answer.body.comment, at: answer.body.at };
  renderAlerts();
}

async function silence(alert, button) {
  button.disabled = true;
  // Every label of this alert, so the silence mutes exactly this alert and nothing broader.
  const matchers = Object.entries(alert.labels).map(([name, value]) => ({ name, operator: '=', value }));
  const answer = await apiPost('/silences', { matchers, duration: SILENCE_DURATION, createdBy: storedName(), comment: 'silenced on the dashboard' });
  if (!answer.ok) return actionFailed(button, answer);
  page.silenced.set(alert.fingerprint, answer.body.endsAt);
  renderAlerts();
}

async function loadOverview() {
  const answer = await apiGet('/overview');
  // 404 (an older api) or 503 (no InfluxDB): the cards show dashes.
  page.overview = new Map(answer.ok ? answer.body.checks.map((check) => [check.id, check]) : []);
  for (const id of page.checks.keys()) showCheckMetrics(id);
}

async function loadAll() {
  page.loading = true;
  const [checks, watches, alerts] = await Promise.all([apiGet('/checks'), apiGet('/watches'), apiGet('/alerts')]);
  page.loading = false;
  const failed = [checks, watches, alerts].find((answer) => !answer.ok);
  notice($('notice'), failed ? `Could not read everything: ${problemText(failed)}` : '', 'error');
  if (checks.ok) page.checks = new Map(checks.body.checks.map((check) => [check.id, { ...check, ...pickStates(page.liveStates?.get(check.id)) }]));
  if (watches.ok) page.watches = new Map(watches.body.watches.map((watch) => [watch.id, watch]));
  if (alerts.ok && !page.liveAlerts) page.alerts = new Map(alerts.body.alerts.map((alert) => [alert.fingerprint, alert]));
  renderChecks();
  renderWatches();
  renderAlerts();
  await loadOverview();
}

function pickStates(item) {
  return item ? { states: item.states, paused: item.paused } : {};
}

function onChecks(data) {
  page.liveStates ??= new Map();
  applyDiff(page.liveStates, data, 'id');
  // A list read in flight merges these states when it lands.
  if (page.loading) return;
  // The stream carries states only; a check it names that this page does not know (a reload
  // added it) needs its labels and type: read the list again.
  if (data.changed.some((item) => !page.checks.has(item.id)) || (data.full && data.changed.length !== page.checks.size)) {
    void loadAll();
    return;
  }
  for (const item of data.changed) {
    Object.assign(page.checks.get(item.id), pickStates(item));
    showCheckState(item.id);
  }
  if (data.removed.length > 0) {
    for (const id of data.removed) page.checks.delete(id);
    renderChecks();
  }
}

function onWatches(data) {
  for (const item of data.changed) {
    const watch = page.watches.get(item.id);
    if (watch) watch.hosts = item.hosts;
  }
  for (const id of data.removed) page.watches.delete(id);
  renderWatches();
}

function onAlerts(data) {
  page.liveAlerts = true;
  applyDiff(page.alerts, data, 'fingerprint');
  renderAlerts();
}

const stream = { current: undefined };

function start() {
  bindTokenForm($('token-form'), () => {
    void loadAll();
    stream.current?.restart();
  });
  void loadAll();
  stream.current = openStream({ checks: onChecks, watches: onWatches, alerts: onAlerts, status: (status) => showLive($('live'), status) });
  setInterval(() => void loadOverview(), OVERVIEW_REFRESH_MS);
}

start();
