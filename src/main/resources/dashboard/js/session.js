// The token, kept in this tab's sessionStorage only: never a cookie (nothing is sent without the
// page asking), never the URL (no history, logs or Referer carry it). It leaves the page only in
// the Authorization header of the API's own origin (js/api.js).

const TOKEN = 'offload.token';
const NOTICE = 'offload.notice';

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function signIn(value) {
  sessionStorage.setItem(TOKEN, value);
}

/** Forgets the token; {@code notice} is shown on the sign-in page that follows. */
export function signOut(notice) {
  sessionStorage.removeItem(TOKEN);
  if (notice) sessionStorage.setItem(NOTICE, notice);
  else sessionStorage.removeItem(NOTICE);
}

/** The notice left for the sign-in page, once. */
export function takeNotice() {
  const notice = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  return notice;
}

/**
 * The token's claims, read without verifying it: only to show who is signed in and to hide the
 * controls a token cannot use. The API verifies every request and refuses what the scope lacks.
 */
export function claims(value = token()) {
  try {
    const part = value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part.padEnd(part.length + (4 - part.length % 4) % 4, '=')), c => c.charCodeAt(0));
    const parsed = JSON.parse(new TextDecoder().decode(bytes));
    return parsed && typeof parsed === 'object' ? parsed : null;
  } catch {
    return null;
  }
}

export function scopes(value = token()) {
  const scope = claims(value)?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter(s => s) : [];
}

export function can(scope) {
  return scopes().includes(scope);
}

export const READ = 'jobs:read';
export const WRITE = 'jobs:write';
export const ADMIN = 'jobs:admin';
