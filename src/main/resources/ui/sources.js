// Sources: list, create, edit, delete; the CDC pre-flight report as a checklist; discovery with a table picker;
// and the three-step onboarding (source, tables, pipeline) that ends with a running pipeline.

import * as api from './api.js';
import {h, show, field, select, pageTitle, table, badge, showProblem, clearProblem, alertBox, confirmDialog, copyable, bytes,
  count, when, link} from './dom.js';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const ENDPOINT = ['host', 'port', 'database', 'username', 'ssl_mode'];

async function list(view, {session}) {
  const sources = await api.all('/api/v1/sources', 'sources');
  const canWrite = session.can('sources:write');
  show(view,
    pageTitle('Sources', canWrite ? link('#/sources/new', 'New source', {class: 'button'}) : null),
    table('Sources', ['Name', 'Endpoint', 'Status', 'Last tested'], sources.map(s => h('tr', {},
      h('td', {}, link(`#/sources/${s.id}`, s.name)),
      h('td', {}, `${s.username}@${s.host}:${s.port}/${s.database}`),
      h('td', {}, badge(s.status)),
      h('td', {}, when(s.last_tested_at)))), 'No sources yet.'));
}

/** The create and edit form; on edit the password is write-only and required once the endpoint changes. */
function sourceForm(source, onSaved) {
  const editing = Boolean(source);
  const v = source || {port: 5432, ssl_mode: 'prefer'};
  const input = (name, attrs = {}) => h('input', {name, value: v[name] ?? '', ...attrs});
  const password = h('input', {name: 'password', type: 'password', autocomplete: 'new-password', required: !editing});
  const problem = alertBox();
  const form = h('form', {class: 'form', novalidate: true},
    field('Name', input('name', {required: true, maxlength: 255})),
    field('Host', input('host', {required: true, autocomplete: 'off'}), 'A host name or IP address, without scheme or port.'),
    field('Port', input('port', {type: 'number', min: 1, max: 65535, required: true})),
    field('Database', input('database', {required: true})),
    field('User name', input('username', {required: true, autocomplete: 'off'})),
    field('Password', password, editing ? 'Never shown. Leave empty to keep it; required when host, port, database, user or SSL mode change.'
      : 'Stored encrypted; never shown again.'),
    field('SSL mode', select('ssl_mode', SSL_MODES, v.ssl_mode)),
    field('Replication slot name (optional)', input('slot_name', {pattern: '[a-z_][a-z0-9_]{0,62}'})),
    field('Publication name (optional)', input('publication_name', {pattern: '[a-z_][a-z0-9_]{0,62}'})),
    problem,
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, editing ? 'Save' : 'Create source'),
      editing ? link(`#/sources/${source.id}`, 'Cancel', {class: 'button secondary'}) : null));
  form.addEventListener('input', () => {
    if (editing) password.required = ENDPOINT.some(n => String(form.elements[n].value) !== String(source[n] ?? ''));
  });
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearProblem(problem, form);
    const body = {};
    for (const name of ['name', 'host', 'database', 'username', 'ssl_mode', 'slot_name', 'publication_name']) {
      const value = form.elements[name].value.trim();
      if (editing ? value !== String(source[name] ?? '') : value !== '') body[name] = value === '' ? null : value;
    }
    const port = form.elements.port.value;
    if (!editing || Number(port) !== source.port) body.port = port === '' ? null : Number(port);
    // A new source always sends it (empty is a password too, for a server that trusts this host); an edit only when typed.
    if (!editing || password.value) body.password = password.value;
    try {
      const res = editing
        ? await api.call('PUT', `/api/v1/sources/${source.id}`, body, source.etag ? {'If-Match': source.etag} : {})
        : await api.call('POST', '/api/v1/sources', body);
      password.value = '';
      onSaved(res.body.source);
    } catch (e) {
      password.value = '';
      showProblem(problem, e, form);
    }
  });
  return form;
}

async function create(view, {go}) {
  show(view, pageTitle('New source'), sourceForm(null, s => go(`/sources/${s.id}`)));
}

async function edit(view, {params, go}) {
  const res = await api.call('GET', `/api/v1/sources/${api.seg(params[0])}`);
  const source = {...res.body.source, etag: res.etag};
  show(view, pageTitle(`Edit ${source.name}`), sourceForm(source, s => go(`/sources/${s.id}`)));
}

async function detail(view, {params, session, go}) {
  const res = await api.call('GET', `/api/v1/sources/${api.seg(params[0])}`);
  const s = res.body.source;
  const report = h('div', {class: 'report'});
  const problem = alertBox();
  const actions = [];
  if (session.can('sources:connect')) {
    actions.push(h('button', {type: 'button', onclick: async event => runTest(event.currentTarget, s.id, report, problem)}, 'Test connection'));
    actions.push(link(`#/sources/${s.id}/tables`, 'Discover tables', {class: 'button secondary'}));
  }
  if (session.can('sources:write')) {
    actions.push(link(`#/sources/${s.id}/edit`, 'Edit', {class: 'button secondary'}));
    actions.push(h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!await confirmDialog(`Delete source ${s.name}? Its stored password goes too.`, 'Delete source')) return;
      try {
        // No If-Match: a test run from this page moves the version on, and the dialog named what goes.
        await api.del(`/api/v1/sources/${s.id}`);
        go('/sources');
      } catch (e) {
        showProblem(problem, e);
      }
    }}, 'Delete'));
  }
  show(view, pageTitle(s.name, ...actions), problem,
    h('dl', {class: 'facts'},
      fact('Status', badge(s.status)), fact('Host', s.host), fact('Port', s.port), fact('Database', s.database),
      fact('User', s.username), fact('SSL mode', s.ssl_mode), fact('Slot name', s.slot_name || '(per pipeline)'),
      fact('Publication', s.publication_name || '(per pipeline)'), fact('Last tested', when(s.last_tested_at)),
      fact('Created', when(s.created_at))),
    report);
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value ?? '–')];
}

async function runTest(button, id, into, problem) {
  button.disabled = true;
  clearProblem(problem);
  show(into, h('p', {role: 'status'}, 'Testing the connection…'));
  try {
    show(into, reportView(await api.post(`/api/v1/sources/${id}/test`)));
  } catch (e) {
    into.replaceChildren();
    showProblem(problem, e);
  } finally {
    button.disabled = false;
  }
}

/** The CDC pre-flight report: each check's status, observed and expected values, and the SQL that fixes it. */
export function reportView(r) {
  const verdict = r.cdc_ready ? 'Ready for change-data-capture' : r.success ? 'Connected, but not ready for change-data-capture'
    : 'The connection failed';
  return h('section', {class: 'report', 'aria-labelledby': 'report-title'},
    h('h2', {id: 'report-title'}, 'Connection report'),
    h('p', {class: r.cdc_ready ? 'verdict ok' : 'verdict bad', role: 'status'}, badge(r.cdc_ready ? 'ready' : 'not ready', r.cdc_ready ? 'pass' : 'fail'),
      ' ', verdict, `: ${r.message} (${r.latency_ms} ms)`),
    r.error_detail ? h('p', {class: 'detail'}, r.error_detail) : null,
    r.server_info ? h('p', {class: 'detail'}, `${r.server_info.version} · database ${r.server_info.database} · user ${r.server_info.user}`) : null,
    h('ol', {class: 'checks'}, r.checks.map(c => h('li', {class: `check check-${c.status}`},
      h('div', {class: 'check-head'}, badge(c.status), ' ', h('strong', {}, c.name.replaceAll('_', ' ')), h('span', {class: 'ms'}, ` ${c.duration_ms} ms`)),
      h('p', {}, c.message),
      c.observed || c.expected ? h('dl', {class: 'facts compact'},
        c.observed ? fact('Observed', c.observed) : null, c.expected ? fact('Expected', c.expected) : null) : null,
      c.remediation ? h('div', {class: 'remediation'}, h('p', {}, 'To fix it:'), copyable(c.remediation, `the fix for ${c.name}`)) : null))));
}

/** The discovered tables, filterable, each with a checkbox when a pipeline can be made of them. */
function tablePicker(tables, canPick, onPick) {
  const schemas = [...new Set(tables.map(t => t.schema))];
  const schemaFilter = select('schema', [['', 'All schemas'], ...schemas]);
  const nameFilter = h('input', {name: 'filter', type: 'search', autocomplete: 'off'});
  const chosen = new Set();
  const body = h('div');
  const summary = h('p', {role: 'status', class: 'summary'});
  const pick = h('button', {type: 'button', disabled: true, onclick: () => onPick(tables.filter(t => chosen.has(key(t))))}, 'Next: name the pipeline');
  const key = t => `${t.schema}.${t.name}`;
  const render = () => {
    const s = schemaFilter.value;
    const n = nameFilter.value.trim().toLowerCase();
    const shown = tables.filter(t => (!s || t.schema === s) && (!n || t.name.toLowerCase().includes(n)));
    show(body, table('Tables', [canPick ? 'Pick' : null, 'Table', 'Primary key', 'Replica identity', 'Rows (est.)', 'Size', 'CDC'].filter(Boolean),
      shown.map(t => h('tr', {},
        canPick ? h('td', {}, h('input', {type: 'checkbox', id: `pick-${key(t)}`, 'aria-label': `Pick ${key(t)}`, checked: chosen.has(key(t)),
          onchange: event => {
            if (event.target.checked) chosen.add(key(t));
            else chosen.delete(key(t));
            update();
          }})) : null,
        h('td', {}, h('span', {class: 'muted'}, `${t.schema}.`), t.name, t.partitioned ? ' (partitioned)' : ''),
        h('td', {}, t.primary_key.length ? t.primary_key.join(', ') : h('span', {class: 'muted'}, 'none')),
        h('td', {}, t.replica_identity),
        h('td', {class: 'num'}, count(t.estimated_rows)),
        h('td', {class: 'num'}, bytes(t.size_bytes)),
        h('td', {}, badge(t.cdc_ready ? 'ready' : 'not ready', t.cdc_ready ? 'pass' : 'warn'),
          t.cdc_issue ? h('p', {class: 'why'}, t.cdc_issue) : null,
          t.snapshot_issue ? h('p', {class: 'why'}, t.snapshot_issue) : null))),
      'No table matches.'));
  };
  const update = () => {
    summary.textContent = `${chosen.size} of ${tables.length} tables picked`;
    pick.disabled = chosen.size === 0;
  };
  schemaFilter.addEventListener('change', render);
  nameFilter.addEventListener('input', render);
  render();
  update();
  return h('div', {class: 'picker'},
    h('div', {class: 'filters'}, field('Schema', schemaFilter), field('Name contains', nameFilter)),
    body, canPick ? h('div', {class: 'actions sticky'}, summary, pick) : null);
}

async function discover(sourceId) {
  return (await api.get(api.path(`/api/v1/sources/${api.seg(sourceId)}/tables`, {schema: '*'}))).tables;
}

async function discovery(view, ctx) {
  const id = ctx.params[0];
  const s = (await api.get(`/api/v1/sources/${api.seg(id)}`)).source;
  show(view, pageTitle(`Tables of ${s.name}`), h('p', {role: 'status'}, 'Asking the source…'));
  const tables = await discover(id);
  const canPick = ctx.session.can('pipelines:write');
  show(view, pageTitle(`Tables of ${s.name}`), tablePicker(tables, canPick, picked => {
    onboarding.source = s;
    onboarding.tables = picked;
    ctx.go('/onboard/pipeline');
  }));
}

/** The three steps' state, kept while the user moves between them. */
const onboarding = {source: null, tables: []};

export function forgetOnboarding() {
  onboarding.source = null;
  onboarding.tables = [];
}

function steps(current) {
  const names = ['Source', 'Tables', 'Pipeline'];
  return h('ol', {class: 'steps', 'aria-label': 'Steps'}, names.map((n, i) => h('li', {'aria-current': i === current ? 'step' : null,
    class: i < current ? 'done' : null}, `${i + 1}. ${n}`)));
}

async function stepSource(view, {go}) {
  const sources = await api.all('/api/v1/sources', 'sources');
  const report = h('div');
  const problem = alertBox();
  const chooser = h('div');
  // Once a source is chosen or created, the step shows it and its report only.
  const useSource = async s => {
    onboarding.source = s;
    clearProblem(problem);
    show(view, pageTitle('Get started'), steps(0), h('p', {}, 'Source ', h('strong', {}, s.name), ` (${s.host}/${s.database})`), problem, report);
    show(report, h('p', {role: 'status'}, `Testing ${s.name}…`));
    try {
      const r = await api.post(`/api/v1/sources/${s.id}/test`);
      show(report, reportView(r), h('div', {class: 'actions'},
        r.cdc_ready ? h('button', {type: 'button', onclick: () => go('/onboard/tables')}, 'Next: pick tables')
          : h('p', {}, 'Fix what failed (the SQL is above), then test again.'),
        h('button', {type: 'button', class: 'secondary', onclick: () => useSource(s)}, 'Test again'),
        link(`#/sources/${s.id}/edit`, 'Edit the source', {class: 'button secondary'})));
    } catch (e) {
      report.replaceChildren();
      showProblem(problem, e);
    }
  };
  if (sources.length) {
    const pickList = select('source', sources.map(s => [s.id, `${s.name} (${s.host}/${s.database})`]));
    show(chooser, h('form', {class: 'form inline', novalidate: true, onsubmit: event => {
      event.preventDefault();
      useSource(sources.find(s => s.id === pickList.value));
    }}, field('An existing source', pickList), h('button', {type: 'submit'}, 'Test and use it')),
    h('h2', {}, 'Or a new one'));
  }
  show(view, pageTitle('Get started'), steps(0), problem, chooser, sourceForm(null, useSource), report);
}

async function stepTables(view, {go}) {
  if (!onboarding.source) return go('/onboard');
  show(view, pageTitle('Get started'), steps(1), h('p', {role: 'status'}, `Asking ${onboarding.source.name} for its tables…`));
  const tables = await discover(onboarding.source.id);
  show(view, pageTitle('Get started'), steps(1), h('p', {}, `Tables of ${onboarding.source.name}. Pick those to capture.`),
    tablePicker(tables, true, picked => {
      onboarding.tables = picked;
      go('/onboard/pipeline');
    }));
}

async function stepPipeline(view, {go}) {
  if (!onboarding.source || !onboarding.tables.length) return go('/onboard');
  const problem = alertBox();
  const name = h('input', {name: 'name', required: true, maxlength: 255, value: `${onboarding.source.name}-cdc`});
  const snapshot = select('config.snapshot', [['initial', 'Copy the existing rows, then stream changes'], ['never', 'Stream changes only']], 'initial');
  const form = h('form', {class: 'form', novalidate: true},
    field('Pipeline name', name),
    field('Existing rows', snapshot),
    h('p', {}, `Source ${onboarding.source.name}; tables ${onboarding.tables.map(t => `${t.schema}.${t.name}`).join(', ')}.`),
    problem,
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Create and start')));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearProblem(problem, form);
    let created;
    try {
      created = (await api.post('/api/v1/pipelines', {name: name.value.trim(), source_id: onboarding.source.id,
        config: {snapshot: snapshot.value}, tables: onboarding.tables.map(t => ({schema: t.schema, table: t.name}))})).pipeline;
    } catch (e) {
      showProblem(problem, e, form);
      return;
    }
    try {
      await api.post(`/api/v1/pipelines/${created.id}/start`);
    } catch (e) {
      showProblem(problem, e, form);
      problem.prepend(h('p', {}, 'The pipeline was created but did not start: ', link(`#/pipelines/${created.id}`, 'open it'), '.'));
      return;
    }
    onboarding.source = null;
    onboarding.tables = [];
    go(`/pipelines/${created.id}`);
  });
  show(view, pageTitle('Get started'), steps(2), form);
}

export const sourcePages = [
  {path: /^\/sources$/, permission: 'sources:read', render: list},
  {path: /^\/sources\/new$/, permission: 'sources:write', render: create},
  {path: /^\/sources\/([0-9a-f-]{36})$/, permission: 'sources:read', render: detail},
  {path: /^\/sources\/([0-9a-f-]{36})\/edit$/, permission: 'sources:write', render: edit},
  {path: /^\/sources\/([0-9a-f-]{36})\/tables$/, permission: 'sources:connect', render: discovery},
  {path: /^\/onboard$/, permission: 'sources:write', render: stepSource},
  {path: /^\/onboard\/tables$/, permission: 'sources:connect', render: stepTables},
  {path: /^\/onboard\/pipeline$/, permission: 'pipelines:write', render: stepPipeline},
];
