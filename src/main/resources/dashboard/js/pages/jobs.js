// The jobs list: counts per state and the last hour's throughput (GET /api/v1/stats), filters
// (state, type, creation time, and the owner for jobs:admin), cursor paging, and a refresh every
// 5 s while the tab is visible. Filters live in the hash (#/jobs?state=failed), so a view can be
// bookmarked; the cursors of the pages seen stay in memory for "Newer".
import * as session from '../session.js';
import {call, query, ApiError, SignedOut} from '../api.js';
import {h, show, stateBadge, message} from '../dom.js';
import {time, percent, shortId, localInputToIso, isoToLocalInput} from '../format.js';

const STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const REFRESH_MS = 5000;

export function renderJobs(main, params) {
  const admin = session.can(session.ADMIN);
  const filters = {
    state: params.get('state') || '',
    type: params.get('type') || '',
    createdAfter: params.get('createdAfter') || '',
    createdBefore: params.get('createdBefore') || '',
    owner: admin ? params.get('owner') || '' : '',
  };
  const cursors = [null]; // the cursor of each page seen; the last one is the page shown
  const stats = h('section', {class: 'stats', id: 'stats', 'aria-label': 'Counts'});
  const status = h('div', {class: 'status'});
  const table = h('div', {class: 'jobs-table', id: 'jobs'});
  const newer = h('button', {type: 'button', class: 'button subtle', id: 'newer', disabled: true}, '← Newer');
  const older = h('button', {type: 'button', class: 'button subtle', id: 'older', disabled: true}, 'Older →');
  const controller = new AbortController();
  let next = null;

  const form = filterForm(filters, admin, values => {
    location.hash = '#/jobs' + query(values);
  });

  async function load() {
    try {
      const [page, counts] = await Promise.all([
        call('/jobs' + query({...filters, limit: 20, cursor: cursors[cursors.length - 1]}), {signal: controller.signal}),
        call('/stats' + query({owner: filters.owner}), {signal: controller.signal}),
      ]);
      next = page.nextCursor;
      show(stats, statCards(counts, filters));
      show(table, page.items.length ? jobsTable(page.items, admin) : h('p', {class: 'empty'}, 'No jobs match.'));
      newer.disabled = cursors.length === 1;
      older.disabled = !next;
      show(status);
    } catch (e) {
      if (e instanceof SignedOut || controller.signal.aborted) return;
      show(status, message('error', e instanceof ApiError ? e.message : 'The service could not be reached.'));
    }
  }

  newer.addEventListener('click', () => { cursors.pop(); load(); });
  older.addEventListener('click', () => { if (next) { cursors.push(next); load(); } });
  fillTypes(form, filters.type, controller.signal);

  show(main,
    h('div', {class: 'page-head'}, h('h1', {}, admin ? 'Jobs of every owner' : 'Your jobs'),
      session.can(session.WRITE) ? h('a', {class: 'button primary', href: '#/submit', id: 'new-job'}, 'Submit a job') : null),
    stats, form, status, table,
    h('div', {class: 'pager'}, newer, older));
  load();
  const timer = setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
  return () => { clearInterval(timer); controller.abort(); };
}

function statCards(stats, filters) {
  const cards = STATES.map(state => h('a', {
    class: 'stat state-' + state + (filters.state === state ? ' selected' : ''), 'data-state': state,
    href: '#/jobs' + query({...filters, state: filters.state === state ? '' : state}),
  }, h('span', {class: 'stat-count'}, String(stats.counts[state])),
    // Queued and running: now; the final states: those reached in the last hour.
    h('span', {class: 'stat-label'}, state === 'queued' || state === 'running' ? state : state + ' (last hour)')));
  cards.push(h('div', {class: 'stat throughput', id: 'throughput'},
    h('span', {class: 'stat-count'}, String(stats.finishedLastHour)), h('span', {class: 'stat-label'}, 'finished in the last hour')));
  return cards;
}

function filterForm(filters, admin, apply) {
  const state = h('select', {name: 'state', id: 'filter-state'}, h('option', {value: ''}, 'any state'),
    STATES.map(s => h('option', {value: s, selected: filters.state === s}, s)));
  const type = h('select', {name: 'type', id: 'filter-type'}, h('option', {value: ''}, 'any type'),
    filters.type ? h('option', {value: filters.type, selected: true}, filters.type) : null);
  const after = h('input', {type: 'datetime-local', name: 'createdAfter', id: 'filter-after',
    value: isoToLocalInput(filters.createdAfter)});
  const before = h('input', {type: 'datetime-local', name: 'createdBefore', id: 'filter-before',
    value: isoToLocalInput(filters.createdBefore)});
  const owner = admin ? h('input', {type: 'text', name: 'owner', id: 'filter-owner', placeholder: 'every owner',
    value: filters.owner, autocomplete: 'off'}) : null;
  return h('form', {class: 'filters', id: 'filters', on: {submit: event => {
    event.preventDefault();
    apply({state: state.value, type: type.value, createdAfter: localInputToIso(after.value),
      createdBefore: localInputToIso(before.value), owner: owner ? owner.value.trim() : ''});
  }}},
  field('State', state), field('Type', type), field('Created after', after), field('Created before', before),
  owner ? field('Owner', owner) : null,
  h('div', {class: 'filter-actions'},
    h('button', {type: 'submit', class: 'button', id: 'apply-filters'}, 'Apply'),
    h('a', {class: 'button subtle', href: '#/jobs'}, 'Reset')));
}

function field(label, input) {
  return h('label', {class: 'field'}, h('span', {}, label), input);
}

async function fillTypes(form, selected, signal) {
  try {
    const types = await call('/job-types', {signal});
    const select = form.querySelector('#filter-type');
    for (const t of types.items) {
      if (t.type !== selected) select.append(h('option', {value: t.type}, t.type));
    }
  } catch {
    // the list still works with "any type"
  }
}

/** A queued job that waits for its time (a delay, or a retry's backoff), not for a worker. */
function delayed(job) {
  return job.state === 'queued' && job.runAt && Date.parse(job.runAt) > Date.now();
}

function jobsTable(jobs, admin) {
  return h('table', {class: 'table'},
    h('thead', {}, h('tr', {},
      h('th', {}, 'Job'), h('th', {}, 'Type'), h('th', {}, 'State'), h('th', {}, 'Progress'),
      admin ? h('th', {}, 'Owner') : null, h('th', {}, 'Created'), h('th', {}, 'Finished'))),
    h('tbody', {}, jobs.map(job => h('tr', {'data-id': job.id, 'data-owner': job.owner},
      h('td', {'data-label': 'Job'}, h('a', {href: '#/jobs/' + encodeURIComponent(job.id), class: 'mono',
        title: job.id}, shortId(job.id))),
      h('td', {'data-label': 'Type'}, job.type),
      h('td', {'data-label': 'State'}, stateBadge(job.state), delayed(job)
        ? h('span', {class: 'runs-at muted'}, ' runs ' + time(job.runAt)) : null),
      h('td', {'data-label': 'Progress'}, job.state === 'running'
        ? h('progress', {max: 1, value: job.progress ?? 0, class: 'mini'}) : null, ' ', percent(job.progress)),
      admin ? h('td', {'data-label': 'Owner', class: 'owner'}, job.owner) : null,
      h('td', {'data-label': 'Created'}, time(job.createdAt)),
      h('td', {'data-label': 'Finished'}, time(job.finishedAt))))));
}
