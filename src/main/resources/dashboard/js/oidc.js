// OpenID Connect sign-in in the browser: the authorization code flow with PKCE (S256), for a
// public client (no secret). The provider's discovery document says where to go; the code comes
// back to /ui/ in the query string and is exchanged at once from this page; its access token is
// then the bearer token, which the API verifies against the provider's keys (auth.jwks.url).
import * as session from './session.js';

const PENDING = 'offload.oidc';

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function discover(config) {
  const url = config.issuer.replace(/\/+$/, '') + '/.well-known/openid-configuration';
  const response = await fetch(url, {credentials: 'omit', cache: 'no-store', redirect: 'error'});
  if (!response.ok) throw new Error('the provider\'s discovery document answered ' + response.status);
  const doc = await response.json();
  if (doc.issuer !== config.issuer) throw new Error('the discovery document names another issuer');
  // The page may only connect to its own origin and the issuer's (its connect-src).
  if (new URL(doc.token_endpoint).origin !== new URL(config.issuer).origin) {
    throw new Error('the token endpoint is not on the issuer\'s origin');
  }
  if (!(doc.code_challenge_methods_supported || ['S256']).includes('S256')) {
    throw new Error('the provider does not support PKCE with S256');
  }
  return doc;
}

function redirectUri() {
  return location.origin + '/ui/';
}

/** Goes to the provider's sign-in page. */
export async function start(config) {
  const doc = await discover(config);
  const verifier = random();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = random();
  sessionStorage.setItem(PENDING, JSON.stringify({state, verifier, tokenEndpoint: doc.token_endpoint}));
  const authorize = new URL(doc.authorization_endpoint);
  const params = {response_type: 'code', client_id: config.clientId, redirect_uri: redirectUri(),
    scope: config.scope, state, nonce: random(), code_challenge: challenge, code_challenge_method: 'S256'};
  for (const [key, value] of Object.entries(params)) authorize.searchParams.set(key, value);
  location.assign(authorize.toString());
}

/**
 * On the way back from the provider (a code or an error in the query): exchanges the code and
 * signs in. Resolves to null when this load is not a return from the provider, else to an
 * error message or ''. The code leaves the address bar at once.
 */
export async function complete(config) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return null;
  history.replaceState(null, '', '/ui/' + location.hash);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  if (params.has('error')) {
    return 'The sign-in was refused: ' + (params.get('error_description') || params.get('error'));
  }
  if (!config || !pending || params.get('state') !== pending.state) {
    return 'The sign-in answer did not match a sign-in started here; try again.';
  }
  const body = new URLSearchParams({grant_type: 'authorization_code', code: params.get('code'),
    redirect_uri: redirectUri(), client_id: config.clientId, code_verifier: pending.verifier});
  const response = await fetch(pending.tokenEndpoint, {method: 'POST', body, credentials: 'omit',
    cache: 'no-store', redirect: 'error'});
  const answer = await response.json().catch(() => ({}));
  if (!response.ok || typeof answer.access_token !== 'string') {
    return 'The provider did not give a token: ' + (answer.error_description || answer.error || response.status);
  }
  session.signIn(answer.access_token);
  return '';
}
