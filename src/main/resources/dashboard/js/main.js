// The dashboard's shell: reads /ui/config.json, finishes an OpenID Connect return, and routes
// the hash (#/jobs, #/jobs/<id>, #/types, #/submit) to a page. A page's render() returns its
// cleanup (streams and timers it holds), called when another page replaces it.
import * as session from './session.js';
import * as oidc from './oidc.js';
import {whenSignedOut} from './api.js';
import {h, show} from './dom.js';
import {renderSignIn} from './pages/signin.js';
import {renderJobs} from './pages/jobs.js';
import {renderJob} from './pages/job.js';
import {renderTypes} from './pages/types.js';
import {renderSubmit} from './pages/submit.js';

const main = document.getElementById('main');
let config = {oidc: null};
let cleanup = () => {};

function route() {
  const hash = location.hash.replace(/^#/, '') || '/jobs';
  const [path, queryText] = hash.split('?');
  const params = new URLSearchParams(queryText || '');
  const parts = path.split('/').filter(p => p);
  return {page: parts[0] || 'jobs', id: parts[1] ? decodeURIComponent(parts[1]) : null, params};
}

function header(signedIn) {
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('who').hidden = !signedIn;
  if (!signedIn) return;
  const claims = session.claims() || {};
  document.getElementById('who-name').textContent = typeof claims.sub === 'string' ? claims.sub : '?';
  show(document.getElementById('who-scopes'), session.scopes().map(s => h('span', {class: 'chip'}, s)));
  document.getElementById('nav-submit').hidden = !session.can(session.WRITE);
}

function render() {
  cleanup();
  cleanup = () => {};
  const signedIn = Boolean(session.token());
  header(signedIn);
  const {page, id, params} = route();
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', link.dataset.page === (page === 'jobs' && id ? 'jobs' : page));
  }
  if (!signedIn) {
    cleanup = renderSignIn(main, config, render) || cleanup;
    return;
  }
  const pages = {
    jobs: () => id ? renderJob(main, id) : renderJobs(main, params),
    types: () => renderTypes(main),
    submit: () => renderSubmit(main, params),
  };
  cleanup = (pages[page] || pages.jobs)() || cleanup;
}

async function boot() {
  document.getElementById('sign-out').addEventListener('click', () => {
    session.signOut('You have signed out.');
    location.hash = '#/jobs';
    render();
  });
  whenSignedOut(render);
  window.addEventListener('hashchange', render);
  try {
    const response = await fetch('/ui/config.json', {cache: 'no-store', credentials: 'omit'});
    if (response.ok) config = await response.json();
  } catch {
    // The pasted-token sign-in works without it.
  }
  try {
    const failed = await oidc.complete(config.oidc);
    if (failed) session.signOut(failed);
  } catch (e) {
    session.signOut('The sign-in could not be completed: ' + e.message);
  }
  render();
}

boot();
