// The REST API as the console uses it: the signed-in token rides along as a bearer token on every call.
// The token lives in sessionStorage only: one tab, gone when the tab closes or the user signs out.

const TOKEN_KEY = 'portcullis.token';
export const BASE = '/api/v1';

/** A refusal or error answered by the broker, with its stable code. */
export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  describe() {
    return `${this.message} (${this.code}${this.status ? ', HTTP ' + this.status : ''})`;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function remember(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
}

async function send(method, path, body, accept) {
  const headers = { 'Accept': accept };
  const t = token();
  if (t) {
    headers['Authorization'] = 'Bearer ' + t;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(BASE + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit', redirect: 'error'
    });
  } catch (e) {
    throw new ApiFailure(0, 'unreachable', 'the broker cannot be reached: ' + e.message);
  }
  if (!response.ok) {
    let code = 'http_' + response.status;
    let message = response.statusText || 'request failed';
    try {
      const error = (await response.json()).error;
      code = error.code;
      message = error.message;
    } catch (ignored) {
      // not an API error body; keep the HTTP status
    }
    if (response.status === 401) {
      // The token was revoked or its principal disabled while signed in: the console signs out.
      window.dispatchEvent(new CustomEvent('portcullis:unauthenticated', { detail: message }));
    }
    throw new ApiFailure(response.status, code, message);
  }
  return response;
}

export async function get(path) {
  return (await send('GET', path, undefined, 'application/json')).json();
}

export async function post(path, body) {
  return (await send('POST', path, body === undefined ? {} : body, 'application/json')).json();
}

export async function text(path) {
  return (await send('GET', path, undefined, '*/*')).text();
}
