// One job: its state, progress live over its event stream, input, result, error and the history
// of its attempts; cancel (queued or running) and retry (failed or cancelled) after a confirmation,
// shown only to a token with jobs:write (the API refuses the others anyway).
import * as session from '../session.js';
import {call, ApiError, SignedOut} from '../api.js';
import {follow, finished} from '../events.js';
import {h, show, stateBadge, message, jsonBlock, confirmAction} from '../dom.js';
import {time, duration, percent} from '../format.js';

const MODES = {stream: 'live', polling: 'live (polling)', done: 'finished'};

export function renderJob(main, id) {
  const controller = new AbortController();
  const view = h('div', {class: 'job', id: 'job'});
  const status = h('div', {class: 'status', id: 'job-status'});
  const live = h('span', {class: 'live', id: 'live'}, 'connecting…');
  let job = null;
  let cancelPending = false; // a running job's cancel was requested and it has not ended yet

  function update(next) {
    job = next;
    show(view, jobView(job, live, act));
    // "Cancellation requested." stands until the job has ended; then the banner says how.
    if (cancelPending && finished(next)) {
      cancelPending = false;
      show(status, message('info', next.state === 'cancelled' ? 'Cancelled.'
        : 'The job ended ' + next.state + ' before it could stop.'));
    }
  }

  function progress(value) {
    if (!job) return;
    job = {...job, progress: value};
    const bar = view.querySelector('#progress');
    if (bar) bar.value = value;
    const text = view.querySelector('#progress-text');
    if (text) text.textContent = percent(value);
    // A running job's duration grows with each report (state events re-render the rest).
    const took = view.querySelector('#duration');
    if (took && job.startedAt && !job.finishedAt) took.textContent = duration(job.startedAt, null);
  }

  async function act(kind) {
    const cancel = kind === 'cancel';
    const ok = await confirmAction(cancel
      ? 'Cancel this ' + job.type + ' job? A running job stops at its next check.'
      : 'Run this ' + job.type + ' job again from its first attempt?', cancel ? 'Cancel job' : 'Retry job');
    if (!ok) return;
    try {
      const answer = await call('/jobs/' + encodeURIComponent(id) + (cancel ? '' : '/retry'),
        {method: cancel ? 'DELETE' : 'POST'});
      // A running job's cancel answers "requested"; its end may have come over the stream before
      // this answer did, and the older state must not replace it (the stream has ended: nothing
      // would correct it).
      if (!(cancel && finished(job) && !finished(answer))) update(answer);
      cancelPending = cancel && !finished(answer) && !finished(job);
      show(status, message('info', cancel ? (finished(answer) || finished(job) ? 'Cancelled.' : 'Cancellation requested.')
        : 'Queued again.'));
      if (!cancel) start();
    } catch (e) {
      if (!(e instanceof SignedOut)) show(status, message('error', e.message));
    }
  }

  let following = null;
  function start() {
    following?.abort();
    following = new AbortController();
    controller.signal.addEventListener('abort', () => following.abort(), {once: true});
    follow(id, {
      onJob: update,
      onProgress: progress,
      onMode: mode => { live.textContent = MODES[mode]; live.dataset.mode = mode; },
    }, following.signal);
  }

  show(main, h('p', {class: 'crumbs'}, h('a', {href: '#/jobs'}, '← Jobs')), status, view);
  call('/jobs/' + encodeURIComponent(id), {signal: controller.signal}).then(found => {
    update(found);
    start();
  }, e => {
    if (e instanceof SignedOut || controller.signal.aborted) return;
    show(status, message('error', e instanceof ApiError && e.status === 404 ? 'No such job (or not yours).' : e.message));
  });
  return () => controller.abort();
}

/** Puts {@code text} on the clipboard; the button says whether it worked. */
function copy(button, text) {
  navigator.clipboard.writeText(text).then(() => { button.textContent = 'Copied'; },
    () => { button.textContent = 'Select the id to copy it'; });
}

function jobView(job, live, act) {
  const write = session.can(session.WRITE);
  const active = job.state === 'queued' || job.state === 'running';
  const retriable = job.state === 'failed' || job.state === 'cancelled';
  const actions = h('div', {class: 'actions'},
    write && active ? h('button', {type: 'button', class: 'button danger', id: 'cancel', disabled: job.cancelRequested,
      on: {click: () => act('cancel')}}, job.cancelRequested ? 'Cancellation requested' : 'Cancel') : null,
    write && retriable ? h('button', {type: 'button', class: 'button', id: 'retry', on: {click: () => act('retry')}},
      'Retry') : null);
  return [
    h('div', {class: 'page-head'},
      h('div', {}, h('h1', {}, job.type, ' ', h('span', {class: 'mono muted id'}, job.id), ' ',
        h('button', {type: 'button', class: 'button small', id: 'copy-id', title: 'Copy the job id',
          on: {click: event => copy(event.currentTarget, job.id)}}, 'Copy id')),
        h('p', {class: 'head-line'}, stateBadge(job.state), ' ', live)),
      actions),
    h('section', {class: 'card'},
      h('div', {class: 'progress-row'},
        h('progress', {id: 'progress', max: 1, value: job.progress ?? (job.state === 'succeeded' ? 1 : 0)}),
        h('span', {id: 'progress-text', class: 'progress-text'}, percent(job.progress))),
      h('dl', {class: 'facts'},
        fact('Owner', job.owner), fact('Attempts', job.attempts + ' of ' + job.maxAttempts),
        fact('Priority', job.priority), fact('Timeout', job.timeoutSeconds + ' s'),
        fact('Created', time(job.createdAt)), fact('Runs at', time(job.runAt)),
        fact('Started', time(job.startedAt)), fact('Finished', time(job.finishedAt)),
        fact('Duration', job.startedAt ? duration(job.startedAt, job.finishedAt) : '—', 'duration'),
        job.scheduleName ? fact('Schedule', job.scheduleName) : null,
        job.callback ? fact('Webhook', job.callback.state + ' (' + job.callback.attempts + ' attempts)') : null)),
    h('div', {class: 'columns'},
      h('section', {class: 'card'}, h('h2', {}, 'Input'), jsonBlock(job.input, 'json input')),
      h('section', {class: 'card'}, h('h2', {}, 'Result'), jsonBlock(job.result, 'json result'))),
    job.error ? h('section', {class: 'card error-card', id: 'error'}, h('h2', {}, 'Error'),
      h('p', {}, h('code', {class: 'error-code'}, job.error.code), ' ', h('span', {class: 'error-message'}, job.error.message)))
      : null,
    h('section', {class: 'card'}, h('h2', {}, 'Attempts'), history(job.history || [])),
  ];
}

function fact(label, value, id) {
  return [h('dt', {}, label), h('dd', {id}, value === null || value === undefined ? '—' : String(value))];
}

function history(runs) {
  if (!runs.length) return h('p', {class: 'empty'}, 'No attempt has ended yet.');
  return h('table', {class: 'table history', id: 'history'},
    h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Ran on'), h('th', {}, 'Started'), h('th', {}, 'Took'),
      h('th', {}, 'Outcome'))),
    h('tbody', {}, runs.map(run => h('tr', {},
      h('td', {'data-label': '#'}, run.attempt),
      h('td', {'data-label': 'Ran on', class: 'mono'}, run.node),
      h('td', {'data-label': 'Started'}, time(run.startedAt)),
      h('td', {'data-label': 'Took'}, duration(run.startedAt, run.finishedAt)),
      h('td', {'data-label': 'Outcome'}, run.error ? run.error.code + ': ' + run.error.message : 'succeeded')))));
}
