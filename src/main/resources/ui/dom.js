// Building the page. Everything the API returns goes in as text (textContent, attribute values): nothing here
// parses a string as HTML, so a name like <img src=x onerror=...> shows as those characters and runs nothing.

/**
 * An element: h('button', {type: 'button', onclick: f}, 'Start'). Attributes named on* become listeners; a value of
 * null or false leaves the attribute out; children are elements, strings (as text) or arrays of them.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:') ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function' && /^on[a-z]+$/.test(name)) el.addEventListener(name.slice(2), value);
    else if (name === 'value' && 'value' in el && !tag.startsWith('svg:')) el.value = value;
    else if (name === 'checked' || name === 'selected') el[name] = Boolean(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what an element holds. */
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
/** An id no other element of the page has. */
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled input (or select/textarea given as control) with a place for its field error. */
export function field(label, control, hint) {
  const id = control.id || uid('f');
  control.id = id;
  const hintEl = hint ? h('p', {class: 'hint', id: `${id}-hint`}, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', {class: 'field'}, h('label', {for: id}, label), control, hintEl);
}

/** A select of options: [[value, text], ...] or plain values. */
export function select(name, options, selected) {
  return h('select', {name}, options.map(o => {
    const [value, text] = Array.isArray(o) ? o : [o, o];
    return h('option', {value, selected: value === selected}, text);
  }));
}

/** A heading and what the page is about; focus moves to the heading so a screen reader announces the new page. */
export function pageTitle(text, ...extra) {
  const title = h('h1', {tabindex: '-1'}, text);
  queueMicrotask(() => title.focus({preventScroll: true}));
  return h('div', {class: 'page-head'}, title, extra.length ? h('div', {class: 'actions'}, extra) : null);
}

/** A table that scrolls sideways on a narrow screen instead of squeezing its columns. */
export function table(caption, headers, rows, empty = 'None yet.') {
  if (!rows.length) return h('p', {class: 'empty'}, empty);
  return h('div', {class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption},
    h('table', {}, h('caption', {class: 'sr-only'}, caption),
      h('thead', {}, h('tr', {}, headers.map(x => h('th', {scope: 'col'}, x)))),
      h('tbody', {}, rows)));
}

/** A status word with a colour that says the same (the word carries the meaning, not the colour). */
export function badge(text, kind = text) {
  return h('span', {class: `badge badge-${String(kind).replace(/[^a-z_-]/g, '')}`}, text);
}

/**
 * Shows an API problem: its title and detail in the form's alert, each field error next to its field (marked
 * invalid and described by it), and field errors without a field of their own in the alert's list.
 */
export function showProblem(alertEl, error, form) {
  clearProblem(alertEl, form);
  const p = error.problem || {title: 'Request failed', detail: String(error.message || error)};
  const loose = [];
  for (const e of Array.isArray(p.errors) ? p.errors : []) {
    const control = form && form.querySelector(`[name="${CSS.escape(String(e.field))}"]`);
    if (control && control.closest('.field')) {
      const msg = h('p', {class: 'field-error', id: uid('err')}, e.message);
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), msg.id].filter(Boolean).join(' '));
      control.closest('.field').append(msg);
    } else {
      loose.push(h('li', {}, h('code', {}, e.field), ': ', e.message));
    }
  }
  show(alertEl, h('strong', {}, p.title || `Error ${p.status}`), p.detail ? h('p', {}, p.detail) : null,
    loose.length ? h('ul', {}, loose) : null,
    p.request_id ? h('p', {class: 'request-id'}, `Request ${p.request_id}`) : null);
  alertEl.hidden = false;
  const first = form && form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
}

export function clearProblem(alertEl, form) {
  alertEl.hidden = true;
  alertEl.replaceChildren();
  if (!form) return;
  form.querySelectorAll('.field-error').forEach(e => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach(c => {
    c.removeAttribute('aria-invalid');
    const kept = (c.getAttribute('aria-describedby') || '').split(' ').filter(id => id && !id.startsWith('err-'));
    if (kept.length) c.setAttribute('aria-describedby', kept.join(' '));
    else c.removeAttribute('aria-describedby');
  });
}

/** The alert region of a form or page. */
export function alertBox() {
  return h('div', {class: 'problem', role: 'alert', hidden: true});
}

/** Asks before something that cannot be undone, in a modal dialog (Escape cancels). */
export function confirmDialog(message, action) {
  return new Promise(resolve => {
    const dialog = h('dialog', {class: 'confirm', 'aria-labelledby': uid('dlg')});
    const text = h('p', {id: dialog.getAttribute('aria-labelledby')}, message);
    const cancel = h('button', {type: 'button', class: 'secondary', onclick: () => dialog.close('cancel')}, 'Cancel');
    const ok = h('button', {type: 'button', class: 'danger', onclick: () => dialog.close('ok')}, action);
    dialog.append(text, h('div', {class: 'actions'}, cancel, ok));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A block of text (SQL, a key, a secret) with a button that copies it. */
export function copyable(text, label) {
  const code = h('code', {}, text);
  const status = h('span', {class: 'copied', role: 'status'});
  const button = h('button', {type: 'button', class: 'secondary small', 'aria-label': `Copy ${label}`, onclick: async () => {
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = 'Copied';
    } catch {
      // No clipboard outside a secure context (plain http to another host): select the text instead.
      window.getSelection().selectAllChildren(code);
      status.textContent = 'Selected: press Ctrl+C';
    }
  }}, 'Copy');
  return h('div', {class: 'copyable'}, h('pre', {}, code), h('div', {}, button, status));
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function bytes(n) {
  if (n === null || n === undefined) return '–';
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

export function count(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en');
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A link inside the console. */
export function link(href, text, attrs = {}) {
  return h('a', {href, ...attrs}, text);
}
