// Building the page: every piece of data becomes a text node or an attribute value, never markup.
// (The page's policy makes innerHTML with a string throw anyway: require-trusted-types-for 'script'.)

/**
 * h('a', {href: '#/jobs', class: 'link', on: {click: fn}}, 'text', child, ...): an element.
 * Strings and numbers among the children become text nodes; null and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'on') {
      for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'value') {
      el.value = value;
    } else if (key === 'checked' || key === 'disabled' || key === 'hidden' || key === 'required' || key === 'selected') {
      el[key] = Boolean(value);
    } else if (key.startsWith('on') || key === 'style' || key === 'srcdoc') {
      throw new Error('h(): no inline handlers or styles (' + key + ')');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what an element holds. */
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A JSON value, pretty-printed as text. */
export function jsonBlock(value, cls = 'json') {
  return h('pre', {class: cls}, value === null || value === undefined ? '—' : JSON.stringify(value, null, 2));
}

export function stateBadge(state) {
  return h('span', {class: 'badge state-' + state, 'data-state': state}, state);
}

/** A message box; kind is 'error', 'notice' or 'info'. */
export function message(kind, text) {
  return h('p', {class: 'message ' + kind, role: kind === 'error' ? 'alert' : 'status'}, text);
}

/** Asks for confirmation in the page's dialog; resolves true when confirmed. */
export function confirmAction(text, confirmLabel) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  const yes = document.getElementById('confirm-yes');
  const no = document.getElementById('confirm-no');
  yes.textContent = confirmLabel;
  return new Promise(resolve => {
    const done = answer => {
      yes.removeEventListener('click', onYes);
      no.removeEventListener('click', onNo);
      dialog.removeEventListener('cancel', onNo);
      dialog.close();
      resolve(answer);
    };
    const onYes = () => done(true);
    const onNo = () => done(false);
    yes.addEventListener('click', onYes);
    no.addEventListener('click', onNo);
    dialog.addEventListener('cancel', onNo);
    dialog.showModal();
  });
}
