// The job types this service runs: each with who runs it, its queued and running jobs, its input
// schema and defaults; an admin pauses and resumes a type (after a confirmation).
import * as session from '../session.js';
import {call, SignedOut} from '../api.js';
import {h, show, message, jsonBlock, confirmAction} from '../dom.js';

// Who runs a type's attempts (GET /api/v1/job-types, "runner").
const RUNNERS = {
  java: 'Run by the service (a Java handler)',
  remote: 'Run by remote workers, which claim its jobs over HTTP',
  endpoint: 'Run by calling its HTTP endpoint',
};

export function renderTypes(main) {
  const controller = new AbortController();
  const status = h('div', {class: 'status', id: 'types-status'});
  const list = h('div', {class: 'types', id: 'types'}, h('p', {class: 'muted'}, 'Loading…'));
  show(main, h('div', {class: 'page-head'}, h('h1', {}, 'Job types')), status, list);

  function load() {
    call('/job-types', {signal: controller.signal}).then(types => show(list, types.items.map(card)), e => {
      if (!(e instanceof SignedOut) && !controller.signal.aborted) show(list, message('error', e.message));
    });
  }

  async function pause(t) {
    const pausing = !t.paused;
    const ok = await confirmAction(pausing
      ? 'Pause ' + t.type + ' on every node? Its submissions keep being accepted and wait in the queue; '
        + 'attempts already running finish.'
      : 'Resume ' + t.type + '? Its ' + t.queued + ' queued job(s) start at once.', pausing ? 'Pause' : 'Resume');
    if (!ok) return;
    try {
      await call('/job-types/' + encodeURIComponent(t.type), {method: 'PATCH', body: {paused: pausing}});
      show(status, message('info', t.type + (pausing ? ' is paused.' : ' is running again.')));
      load();
    } catch (e) {
      if (!(e instanceof SignedOut)) show(status, message('error', e.message));
    }
  }

  function card(t) {
    return h('section', {class: 'card type', 'data-type': t.type, 'data-paused': String(t.paused)},
      h('div', {class: 'page-head'},
        h('h2', {}, t.type, t.paused ? h('span', {class: 'badge paused'}, 'paused') : null),
        h('div', {class: 'actions'},
          session.can(session.ADMIN) ? h('button', {type: 'button', class: 'button' + (t.paused ? '' : ' danger'),
            'data-action': 'pause', on: {click: () => pause(t)}}, t.paused ? 'Resume' : 'Pause') : null,
          session.can(session.WRITE) ? h('a', {class: 'button', href: '#/submit?type=' + encodeURIComponent(t.type)},
            'Submit ' + t.type) : null)),
      h('div', {class: 'type-body'},
        h('div', {},
          h('p', {}, t.description),
          h('p', {class: 'runner', 'data-runner': t.runner}, RUNNERS[t.runner] || t.runner,
            t.runner === 'remote' ? ' · lease ' + t.leaseSeconds + ' s' : ''),
          h('p', {class: 'counts'}, t.queued + ' queued · ' + t.running + ' running'
            + (t.paused ? ' · no node starts its jobs until it is resumed' : '')),
          h('p', {class: 'muted'}, 'Timeout ' + t.timeoutSeconds + ' s · up to ' + t.maxAttempts
            + ' attempts (a submission may set its own)')),
        h('details', {open: true}, h('summary', {}, 'Input schema'), jsonBlock(t.inputSchema, 'json schema'))));
  }

  load();
  return () => controller.abort();
}
