// Every call to the API: the bearer token in the Authorization header, problem+json errors as
// ApiError, and a refused token (401) ends the session with a message for the sign-in page.
import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** Thrown after a 401: the page has already gone back to sign-in. */
export class SignedOut extends Error {}

let onSignedOut = () => {};

/** What to do once a 401 has ended the session (main.js shows the sign-in page). */
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

export function authHeaders(extra = {}) {
  return {...extra, Authorization: 'Bearer ' + session.token()};
}

/** Ends the session after a 401, with the API's reason. */
export async function refused(response) {
  const detail = await problemDetail(response);
  session.signOut('Your session has ended: the service refused the token (' + detail
    + '). Sign in again with a fresh token.');
  onSignedOut();
  return new SignedOut(detail);
}

async function problemDetail(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || ('HTTP ' + response.status);
  } catch {
    return 'HTTP ' + response.status;
  }
}

/** GET (or another method with a JSON body); resolves to the parsed answer. */
export async function call(path, {method = 'GET', body, signal} = {}) {
  const headers = authHeaders(body === undefined ? {} : {'Content-Type': 'application/json'});
  const response = await fetch('/api/v1' + path, {
    method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store', credentials: 'omit', redirect: 'error',
  });
  if (response.status === 401) throw await refused(response);
  if (!response.ok) throw new ApiError(response.status, await problemDetail(response));
  return response.json();
}

/** A query string from the entries that have a value. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') q.set(key, value);
  }
  const text = q.toString();
  return text ? '?' + text : '';
}
