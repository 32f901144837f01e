// Submitting a job: a form built from the type's JSON schema when its properties are plain
// (integers, numbers, strings, booleans, enums), else a JSON textarea; either way the API checks
// the input against the schema and says what is wrong.
import {call, SignedOut} from '../api.js';
import {h, show, message} from '../dom.js';

export function renderSubmit(main, params) {
  const controller = new AbortController();
  const status = h('div', {class: 'status', id: 'submit-status'});
  const body = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  show(main, h('div', {class: 'page-head'}, h('h1', {}, 'Submit a job')), status, body);
  call('/job-types', {signal: controller.signal}).then(types => {
    if (!types.items.length) {
      show(body, message('info', 'This service runs no job types.'));
      return;
    }
    const chosen = types.items.find(t => t.type === params.get('type')) || types.items[0];
    show(body, submitForm(types.items, chosen, status));
  }, e => {
    if (!(e instanceof SignedOut) && !controller.signal.aborted) show(status, message('error', e.message));
  });
  return () => controller.abort();
}

function submitForm(types, type, status) {
  const select = h('select', {id: 'submit-type', name: 'type', on: {change: () => {
    location.hash = '#/submit?type=' + encodeURIComponent(select.value);
  }}}, types.map(t => h('option', {value: t.type, selected: t.type === type.type}, t.type)));
  const plain = plainProperties(type.inputSchema);
  const inputs = plain ? plain.map(([name, schema]) => inputFor(name, schema, (type.inputSchema.required || []).includes(name)))
    : null;
  const json = h('textarea', {id: 'input-json', class: 'json-input', rows: 8, spellcheck: 'false'},
    JSON.stringify(example(type.inputSchema), null, 2));
  const priority = h('input', {type: 'number', id: 'priority', min: 0, max: 9, step: 1, placeholder: '5'});
  const delay = h('input', {type: 'number', id: 'delay', min: 0, step: 1, placeholder: '0'});
  const submit = h('button', {type: 'submit', class: 'button primary', id: 'submit'}, 'Submit');

  const form = h('form', {class: 'card submit-form', id: 'submit-form', novalidate: true, on: {submit: async event => {
    event.preventDefault();
    let input;
    try {
      input = inputs ? Object.fromEntries(inputs.map(i => [i.name, i.read()]).filter(([, v]) => v !== undefined))
        : JSON.parse(json.value);
    } catch (e) {
      show(status, message('error', 'The input is not JSON: ' + e.message));
      return;
    }
    const submission = {type: type.type, input};
    if (priority.value !== '') submission.priority = Number(priority.value);
    if (delay.value !== '') submission.delaySeconds = Number(delay.value);
    submit.disabled = true;
    try {
      const job = await call('/jobs', {method: 'POST', body: submission});
      location.hash = '#/jobs/' + encodeURIComponent(job.id);
    } catch (e) {
      if (!(e instanceof SignedOut)) show(status, message('error', e.message));
    } finally {
      submit.disabled = false;
    }
  }}},
  h('label', {class: 'field'}, h('span', {}, 'Type'), select),
  h('p', {class: 'muted'}, type.description),
  h('fieldset', {}, h('legend', {}, 'Input'),
    inputs ? inputs.map(i => i.element) : h('label', {class: 'field wide'}, h('span', {}, 'Input (JSON)'), json)),
  h('details', {}, h('summary', {}, 'Scheduling'),
    h('div', {class: 'row'},
      h('label', {class: 'field'}, h('span', {}, 'Priority (0–9, higher first)'), priority),
      h('label', {class: 'field'}, h('span', {}, 'Delay (seconds)'), delay))),
  h('div', {class: 'actions'}, submit));
  return form;
}

/** The schema's properties as [name, schema] when each is a plain value a form can hold, else null. */
function plainProperties(schema) {
  if (!schema || schema.type !== 'object' || typeof schema.properties !== 'object') return null;
  const entries = Object.entries(schema.properties);
  const plain = entries.every(([, p]) => p && (Array.isArray(p.enum)
    || ['integer', 'number', 'string', 'boolean'].includes(p.type)));
  return entries.length && plain ? entries : null;
}

function inputFor(name, schema, required) {
  const id = 'input-' + name;
  const label = (schema.title || name) + (required ? '' : ' (optional)');
  let control;
  let read;
  if (Array.isArray(schema.enum)) {
    control = h('select', {id, name},
      required ? null : h('option', {value: ''}, '—'),
      schema.enum.map((v, i) => h('option', {value: String(i), selected: v === schema.default}, String(v))));
    read = () => control.value === '' ? undefined : schema.enum[Number(control.value)];
  } else if (schema.type === 'boolean') {
    control = h('input', {type: 'checkbox', id, name, checked: schema.default === true});
    read = () => control.checked;
  } else if (schema.type === 'integer' || schema.type === 'number') {
    control = h('input', {type: 'number', id, name, step: schema.type === 'integer' ? 1 : 'any',
      min: schema.minimum, max: schema.maximum, value: schema.default ?? '', required});
    read = () => {
      if (control.value === '') return undefined;
      return schema.type === 'integer' ? parseInt(control.value, 10) : Number(control.value);
    };
  } else {
    control = h('input', {type: 'text', id, name, value: schema.default ?? '', required,
      minlength: schema.minLength, maxlength: schema.maxLength});
    read = () => control.value === '' && !required ? undefined : control.value;
  }
  const range = schema.minimum !== undefined || schema.maximum !== undefined
    ? (schema.minimum ?? '…') + ' to ' + (schema.maximum ?? '…') : null;
  const hint = [schema.description, range].filter(x => x).join(' · ');
  const element = h('label', {class: schema.type === 'boolean' ? 'field check' : 'field'},
    h('span', {}, label), control, hint ? h('small', {class: 'hint'}, hint) : null);
  return {name, element, read};
}

/** A starting document for the JSON textarea: each property's default or an empty value. */
function example(schema) {
  const out = {};
  for (const [name, p] of Object.entries(schema?.properties || {})) {
    out[name] = p.default ?? (p.type === 'integer' || p.type === 'number' ? p.minimum ?? 0
      : p.type === 'boolean' ? false : p.type === 'array' ? [] : p.type === 'object' ? {} : '');
  }
  return out;
}
