// The API on this origin, with the key the user signed in with. The key lives in sessionStorage (this tab, until
// sign-out or the tab closes), goes only in the Authorization header, and never into a URL.

const KEY = 'philotes.key';
let onSignedOut = () => {};

/** An API answer that was not 2xx: its RFC 9457 problem, as the service wrote it. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function key() {
  return sessionStorage.getItem(KEY);
}

export function signIn(value) {
  sessionStorage.setItem(KEY, value);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** What to do when the key stops working (revoked, expired): back to the sign-in form with the reason. */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

/**
 * Calls the API. Resolves to {body, etag, status}; rejects with an ApiError carrying the problem. A 401 on a key
 * that worked before signs out.
 */
export async function call(method, path, body, headers = {}) {
  const h = {Accept: 'application/json', ...headers};
  const k = key();
  if (k) h.Authorization = `Bearer ${k}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store', redirect: 'error'});
  } catch (e) {
    throw new ApiError(0, {title: 'The service cannot be reached', detail: `${method} ${path}: ${e.message}`});
  }
  const text = await res.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!res.ok) {
    const problem = parsed && typeof parsed === 'object' ? parsed : {title: `HTTP ${res.status}`, status: res.status};
    if (res.status === 401 && k && path !== '/api/v1/me') onSignedOut(problem);
    throw new ApiError(res.status, problem);
  }
  return {body: parsed, etag: res.headers.get('ETag'), status: res.status};
}

export const get = path => call('GET', path).then(r => r.body);
export const post = (path, body) => call('POST', path, body).then(r => r.body);
export const del = (path, headers) => call('DELETE', path, undefined, headers);

/** A path with its query; values are encoded, empty ones left out. */
export function path(base, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  }
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

/** Every item of a paged list (?limit=&cursor=), up to a bound. */
export async function all(base, field, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const page = await get(path(base, {limit: 100, cursor}));
    items.push(...page[field]);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** A path segment, encoded. */
export const seg = encodeURIComponent;
