// Sign-in: paste a token (make -s token prints a dev one), or, when the service names an OpenID
// Connect provider, sign in there. The pasted token is checked by one API call before it is kept.
import * as session from '../session.js';
import * as oidc from '../oidc.js';
import {h, show, message} from '../dom.js';

export function renderSignIn(main, config, done) {
  const notice = session.takeNotice();
  const status = h('div', {id: 'signin-status'}, notice ? message('notice', notice) : null);
  const field = h('textarea', {id: 'token', class: 'token-input', rows: 5, spellcheck: 'false', autocomplete: 'off',
    placeholder: 'eyJhbGciOi…', 'aria-label': 'Bearer token'});
  const submit = h('button', {type: 'submit', id: 'sign-in', class: 'button primary'}, 'Sign in');

  const form = h('form', {class: 'signin-form', on: {submit: async event => {
    event.preventDefault();
    const value = field.value.trim().replace(/^Bearer\s+/i, '');
    if (!session.claims(value)) {
      show(status, message('error', 'That is not a JWT (three base64url parts separated by dots).'));
      return;
    }
    submit.disabled = true;
    try {
      const response = await fetch('/api/v1/stats', {headers: {Authorization: 'Bearer ' + value},
        cache: 'no-store', credentials: 'omit'});
      if (response.status === 401) {
        const problem = await response.json().catch(() => ({}));
        show(status, message('error', 'The service refused this token: ' + (problem.detail || 'invalid token') + '.'));
        return;
      }
      session.signIn(value);
      field.value = '';
      done();
    } catch (e) {
      show(status, message('error', 'The service could not be reached: ' + e.message));
    } finally {
      submit.disabled = false;
    }
  }}},
  h('label', {for: 'token'}, 'Bearer token'),
  field,
  h('p', {class: 'hint'}, 'Kept in this tab only (sessionStorage) and sent only in the Authorization header. ',
    'A development token: ', h('code', {}, 'make -s token'), '.'),
  h('div', {class: 'actions'}, submit));

  const provider = config.oidc ? h('section', {class: 'card signin-oidc'},
    h('h2', {}, 'Single sign-on'),
    h('button', {type: 'button', id: 'sign-in-oidc', class: 'button primary', on: {click: async () => {
      try {
        await oidc.start(config.oidc);
      } catch (e) {
        show(status, message('error', 'The sign-in could not start: ' + e.message));
      }
    }}}, 'Sign in with ' + new URL(config.oidc.issuer).host),
    h('p', {class: 'hint'}, 'Or paste a token below.')) : null;

  show(main, h('div', {class: 'signin'},
    h('h1', {}, 'Sign in to Offload'),
    status,
    provider,
    h('section', {class: 'card'}, form)));
  field.focus();
}
