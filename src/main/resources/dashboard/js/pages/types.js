// The job types this service runs, each with its input schema and defaults.
import * as session from '../session.js';
import {call, SignedOut} from '../api.js';
import {h, show, message, jsonBlock} from '../dom.js';

// Who runs a type's attempts (GET /api/v1/job-types, "runner").
const RUNNERS = {
  java: 'Run by the service (a Java handler)',
  remote: 'Run by remote workers, which claim its jobs over HTTP',
  endpoint: 'Run by calling its HTTP endpoint',
};

export function renderTypes(main) {
  const controller = new AbortController();
  const list = h('div', {class: 'types', id: 'types'}, h('p', {class: 'muted'}, 'Loading…'));
  show(main, h('div', {class: 'page-head'}, h('h1', {}, 'Job types')), list);
  call('/job-types', {signal: controller.signal}).then(types => {
    show(list, types.items.map(t => h('section', {class: 'card type', 'data-type': t.type},
      h('div', {class: 'page-head'},
        h('h2', {}, t.type),
        session.can(session.WRITE) ? h('a', {class: 'button', href: '#/submit?type=' + encodeURIComponent(t.type)},
          'Submit ' + t.type) : null),
      h('div', {class: 'type-body'},
        h('div', {},
          h('p', {}, t.description),
          h('p', {class: 'runner', 'data-runner': t.runner}, RUNNERS[t.runner] || t.runner,
            t.runner === 'remote' ? ' · lease ' + t.leaseSeconds + ' s' : ''),
          h('p', {class: 'muted'}, 'Timeout ' + t.timeoutSeconds + ' s · up to ' + t.maxAttempts + ' attempts (a submission may set its own)')),
        h('details', {open: true}, h('summary', {}, 'Input schema'), jsonBlock(t.inputSchema, 'json schema'))))));
  }, e => {
    if (!(e instanceof SignedOut) && !controller.signal.aborted) show(list, message('error', e.message));
  });
  return () => controller.abort();
}
