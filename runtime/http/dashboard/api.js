// Calls to the node's HTTP API (docs/api.md). The bearer token, when the node has one, is asked
// for once and kept for this tab (sessionStorage).

const TOKEN_KEY = 'boa.token';

/** An answer that was not 2xx, with the API's error code and message (and `errors` paths). */
export class ApiError extends Error {
  constructor(status, code, message, errors = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

let unauthorized = () => {};

/** Called with the error when the node answers 401 (no token, or a wrong one). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** GETs (or, with `body`, POSTs) `path` and resolves to the JSON answer; rejects with ApiError. */
export async function api(path, { method, body } = {}) {
  const headers = { Accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'unreachable', `the node did not answer (${e.message})`);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // not JSON: the status says enough
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    const failure = new ApiError(
      response.status,
      error.code ?? `http_${response.status}`,
      error.message ?? `${response.status} ${response.statusText}`,
      error.errors ?? [],
    );
    if (response.status === 401) unauthorized(failure);
    throw failure;
  }
  return data;
}

/** `?a=1&b=2` from the members of `params` that are set; '' when none is. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(key, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}
