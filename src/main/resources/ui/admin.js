// Admin: API keys (a new key is shown once) and the audit log.

import * as api from './api.js';
import {h, show, field, select, pageTitle, table, badge, showProblem, clearProblem, alertBox, confirmDialog, copyable, when} from './dom.js';

const ROLES = ['admin', 'operator', 'viewer', 'consumer'];

async function keys(view) {
  const problem = alertBox();
  const listBox = h('div');
  const created = h('div', {'aria-live': 'polite'});

  const render = async () => {
    const list = await api.all('/api/v1/keys', 'keys');
    show(listBox, table('API keys', ['Name', 'Id', 'Role', 'Created', 'Expires', 'Last used', 'Revoke'], list.map(k => h('tr', {},
      h('td', {}, k.name), h('td', {}, h('code', {}, k.id)), h('td', {}, badge(k.role, 'role')),
      h('td', {}, when(k.created_at)), h('td', {}, k.expires_at ? when(k.expires_at) : 'never'), h('td', {}, when(k.last_used_at)),
      h('td', {}, h('button', {type: 'button', class: 'danger small', onclick: async () => {
        if (!await confirmDialog(`Revoke key ${k.name}? Every client using it is refused within a second.`, 'Revoke key')) return;
        clearProblem(problem);
        try {
          await api.del(`/api/v1/keys/${api.seg(k.id)}`);
          await render();
        } catch (e) {
          showProblem(problem, e);
        }
      }}, `Revoke ${k.name}`))))));
  };

  const pipelines = await api.all('/api/v1/pipelines', 'pipelines').catch(() => []);
  const role = select('role', ROLES, 'viewer');
  const pipelineIds = h('select', {name: 'pipeline_ids', multiple: true, size: Math.min(6, Math.max(2, pipelines.length))},
    pipelines.map(p => h('option', {value: p.id}, p.name)));
  const pipelineField = field('Pipelines it may read (consumer keys)', pipelineIds);
  const expires = h('input', {name: 'expires_at', type: 'datetime-local'});
  const name = h('input', {name: 'name', required: true, maxlength: 100, autocomplete: 'off'});
  const form = h('form', {class: 'form', novalidate: true}, field('Name', name), field('Role', role), pipelineField,
    field('Expires (optional, your local time)', expires), problem, h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Create key')));
  const roleChanged = () => {
    pipelineField.hidden = role.value !== 'consumer';
  };
  role.addEventListener('change', roleChanged);
  roleChanged();
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearProblem(problem, form);
    const body = {name: name.value.trim(), role: role.value};
    if (role.value === 'consumer') body.pipeline_ids = [...pipelineIds.selectedOptions].map(o => o.value);
    if (expires.value) body.expires_at = new Date(expires.value).toISOString();
    try {
      const k = (await api.post('/api/v1/keys', body)).key;
      form.reset();
      roleChanged();
      show(created, h('div', {class: 'notice'}, h('h2', {}, `Key ${k.name} created`),
        h('p', {}, 'Copy it now: it is shown this once and cannot be read again.'), copyable(k.secret, 'the new key')));
      await render();
    } catch (e) {
      showProblem(problem, e, form);
    }
  });
  show(view, pageTitle('API keys'), created, h('h2', {}, 'New key'), form, h('h2', {}, 'Keys'), listBox);
  await render();
}

async function audit(view) {
  const body = h('tbody');
  const problem = alertBox();
  const size = 100;
  let after = 0;
  const status = h('p', {role: 'status', class: 'summary'});
  const more = h('button', {type: 'button', class: 'secondary', onclick: () => load()}, 'Load newer entries');
  // A page of entries after the last one shown; how many came, or -1 when the read failed.
  const load = async () => {
    clearProblem(problem);
    try {
      const page = await api.get(api.path('/api/v1/audit', {after, limit: size}));
      after = page.next_after;
      status.textContent = page.entries.length ? `Entries up to ${after}` : `No newer entries yet (up to ${after})`;
      body.append(...page.entries.map(e => h('tr', {},
        h('td', {class: 'num'}, e.seq), h('td', {}, when(e.at)), h('td', {}, e.key_name ? `${e.key_name} (${e.role})` : '–'),
        h('td', {}, e.client), h('td', {}, e.method), h('td', {class: 'url'}, e.path), h('td', {}, badge(String(e.status), e.status < 400 ? 'pass' : 'fail')),
        h('td', {}, h('code', {}, e.request_id)))));
      return page.entries.length;
    } catch (e) {
      showProblem(problem, e);
      return -1;
    }
  };
  show(view, pageTitle('Audit log'), h('p', {}, 'Every state-changing and every denied request, oldest first.'), problem,
    h('div', {class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Audit log'},
      h('table', {}, h('caption', {class: 'sr-only'}, 'Audit log'),
        h('thead', {}, h('tr', {}, ['Seq', 'At', 'Key', 'Client', 'Method', 'Path', 'Status', 'Request'].map(x => h('th', {scope: 'col'}, x)))),
        body)),
    h('div', {class: 'actions'}, status, more));
  // Oldest first, as the API keeps it: up to ten full pages at once, then a page per press.
  for (let i = 0; i < 10; i += 1) {
    if (await load() < size) break;
  }
}

export const adminPages = [
  {path: /^\/keys$/, permission: 'keys:manage', render: keys},
  {path: /^\/audit$/, permission: 'audit:read', render: audit},
];
