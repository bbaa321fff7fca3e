// Talking to /api/v1: the token is kept in localStorage and sent as Authorization: Bearer;
// without one, reads still work where the api allows them (publicRead).

const TOKEN_KEY = 'vigil.token';
const NAME_KEY = 'vigil.name';

export function storedToken() {
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

/** Who acknowledgements and silences are recorded as. */
export function storedName() {
  return localStorage.getItem(NAME_KEY) || 'dashboard';
}

function headers(extra = {}) {
  const token = storedToken();
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

/**
 * { ok, status, body }: never throws, so a page shows what it has when one source is missing
 * (404 from an older api, 503 without InfluxDB) or the network is away (status 0).
 */
async function call(method, path, body) {
  try {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { ok: response.ok, status: response.status, body: parsed };
  } catch (err) {
    return { ok: false, status: 0, body: { message: String(err) } };
  }
}

export const apiGet = (path) => call('GET', path);
export const apiPost = (path, body) => call('POST', path, body);

/** The api's own words for a failed answer. */
export function problemText(answer) {
  if (answer.status === 0) return 'the api did not answer';
  if (answer.status === 401) return 'this needs a token (enter one above)';
  if (answer.status === 403) return 'this needs an admin token';
  return answer.body?.message ?? `the api answered ${answer.status}`;
}

/**
 * Binds the token form: the token and name fields, Save and Clear. `changed` runs after either,
 * so the page reloads its data with the new token.
 */
export function bindTokenForm(form, changed) {
  if (!form) return;
  const tokenInput = form.querySelector('[name=token]');
  const nameInput = form.querySelector('[name=name]');
  const state = form.querySelector('.token-state');
  const show = () => {
    tokenInput.value = storedToken();
    nameInput.value = localStorage.getItem(NAME_KEY) ?? '';
    if (state) state.textContent = storedToken() ? 'token saved' : 'no token';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = tokenInput.value.trim();
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
    const name = nameInput.value.trim();
    if (name) localStorage.setItem(NAME_KEY, name);
    else localStorage.removeItem(NAME_KEY);
    show();
    changed();
  });
  form.querySelector('[data-action=clear-token]')?.addEventListener('click', () => {
    localStorage.removeItem(TOKEN_KEY);
    show();
    changed();
  });
  show();
}

/**
 * Live updates from GET /api/v1/stream. EventSource cannot send headers, so the token goes in
 * the query (this route alone accepts it there). The first event of each connection is `full`
 * and replaces what the page shows; EventSource reconnects by itself after a dropped
 * connection, and a refused one (401, a restart) is retried here.
 * handlers: { checks(data), watches(data), alerts(data), status(text) }.
 */
export function openStream(handlers) {
  let source;
  let retry;
  const connect = () => {
    const token = storedToken();
    source = new EventSource(token ? `/api/v1/stream?token=${encodeURIComponent(token)}` : '/api/v1/stream');
    source.addEventListener('open', () => handlers.status?.('live'));
    source.addEventListener('error', () => {
      handlers.status?.(source.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting');
      if (source.readyState === EventSource.CLOSED) retry = setTimeout(connect, 10_000);
    });
    for (const name of ['checks', 'watches', 'alerts']) {
      source.addEventListener(name, (event) => {
        if (handlers[name]) handlers[name](JSON.parse(event.data));
      });
    }
  };
  connect();
  return {
    restart() {
      clearTimeout(retry);
      source?.close();
      connect();
    },
  };
}

/** Applies a stream diff to a Map keyed by `key`: full replaces, changed upserts, removed deletes. */
export function applyDiff(map, data, key) {
  if (data.full) map.clear();
  for (const item of data.changed) map.set(item[key], item);
  for (const gone of data.removed) map.delete(gone);
}

/** The stream status word, in the header's live indicator. */
export function showLive(indicator, status) {
  if (!indicator) return;
  indicator.textContent = status === 'live' ? 'live' : status === 'reconnecting' ? 'reconnecting…' : 'live updates off';
  indicator.dataset.live = status;
}
