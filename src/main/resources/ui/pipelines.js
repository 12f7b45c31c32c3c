// Pipelines: the list with live status, a pipeline's page (status polled every 2 s, events per second drawn by the
// page itself, lag, retained WAL, tables with their copies, actions, mappings), the event browser, and the
// consumers and webhook sinks that read a pipeline.

import * as api from './api.js';
import {h, show, field, select, pageTitle, table, badge, showProblem, clearProblem, alertBox, confirmDialog, bytes, count, when,
  link} from './dom.js';

const POLL_MS = 2000;
const CHART_SECONDS = 300;
const OPERATIONS = ['insert', 'update', 'delete', 'truncate', 'snapshot'];

/** Runs a refresh now and every POLL_MS until the page is left; a refresh that fails says so and tries again. */
function poll(onLeave, refresh) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    await refresh();
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  onLeave(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return tick();
}

async function list(view, {session, onLeave}) {
  const body = h('div');
  const problem = alertBox();
  show(view, pageTitle('Pipelines', session.can('sources:write') ? link('#/onboard', 'New pipeline', {class: 'button'}) : null), problem, body);
  await poll(onLeave, async () => {
    try {
      const pipelines = await api.all('/api/v1/pipelines', 'pipelines');
      clearProblem(problem);
      show(body, table('Pipelines', ['Name', 'Status', 'Started', 'Updated'], pipelines.map(p => h('tr', {},
        h('td', {}, link(`#/pipelines/${p.id}`, p.name)),
        h('td', {}, badge(p.status), p.error_message ? h('p', {class: 'why'}, p.error_message) : null),
        h('td', {}, when(p.started_at)),
        h('td', {}, when(p.updated_at)))), 'No pipelines yet.'));
    } catch (e) {
      showProblem(problem, e);
    }
  });
}

/* Samples of events_processed per pipeline, kept while the tab lives so the chart survives moving between pages. */
const samples = new Map();

export function forgetSamples() {
  samples.clear();
}

function sample(id, eventsProcessed) {
  const now = Date.now();
  const points = samples.get(id) || [];
  points.push({t: now, n: eventsProcessed});
  while (points.length && points[0].t < now - CHART_SECONDS * 1000) points.shift();
  samples.set(id, points);
  return points;
}

/** Events per second between samples, as an SVG line over the last minutes (no library: a polyline). */
function chart(points) {
  const rates = [];
  for (let i = 1; i < points.length; i += 1) {
    const dt = (points[i].t - points[i - 1].t) / 1000;
    if (dt > 0) rates.push({t: points[i].t, r: Math.max(0, points[i].n - points[i - 1].n) / dt});
  }
  const w = 600;
  const ht = 140;
  const peak = Math.max(1, ...rates.map(p => p.r));
  const now = Date.now();
  // The chart spans what the page has seen (at least 30 s, at most CHART_SECONDS), so a page just opened draws a line too.
  const span = Math.min(CHART_SECONDS, Math.max(30, Math.ceil((now - (points.length ? points[0].t : now)) / 1000)));
  const x = t => w - ((now - t) / (span * 1000)) * w;
  const y = r => ht - 4 - (r / peak) * (ht - 24);
  const current = rates.length ? rates[rates.length - 1].r : 0;
  const over = span >= 120 ? `${Math.round(span / 60)} minutes` : `${span} seconds`;
  const label = `Events per second over the last ${over}: now ${current.toFixed(1)}, peak ${peak.toFixed(1)}`;
  const svg = h('svg:svg', {viewBox: `0 0 ${w} ${ht}`, role: 'img', 'aria-label': label, class: 'chart', preserveAspectRatio: 'none'},
    h('svg:line', {x1: 0, y1: ht - 4, x2: w, y2: ht - 4, class: 'axis'}),
    h('svg:line', {x1: 0, y1: 20, x2: w, y2: 20, class: 'axis'}),
    rates.length > 1 ? h('svg:polyline', {points: rates.map(p => `${x(p.t).toFixed(1)},${y(p.r).toFixed(1)}`).join(' '), class: 'line'}) : null);
  return h('figure', {class: 'chart-box'}, svg, h('figcaption', {}, label));
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value ?? '–')];
}

function snapshotCell(s) {
  if (!s) return '–';
  const parts = [badge(s.state)];
  if (s.state === 'copying' || s.state === 'done') {
    const max = Math.max(s.rows_estimated || 0, s.rows_copied, 1);
    parts.push(' ', h('progress', {max, value: s.state === 'done' ? max : s.rows_copied, 'aria-label': `Copy of ${s.schema}.${s.table}`}),
      ` ${count(s.rows_copied)}${s.rows_estimated ? ` of ~${count(s.rows_estimated)}` : ''} rows`);
  }
  if (s.error) parts.push(h('p', {class: 'why'}, s.error));
  return parts;
}

async function detail(view, {params, session, onLeave, go}) {
  const id = params[0];
  const base = `/api/v1/pipelines/${api.seg(id)}`;
  let pipeline = (await api.get(base)).pipeline;
  const problem = alertBox();
  const live = h('div', {'aria-live': 'off'});
  const mappings = h('section', {'aria-labelledby': 'mappings-title'});
  const canWrite = session.can('pipelines:write');
  // What the state allows: a running pipeline can be stopped, a stopped one started, copied again or deleted.
  const allow = status => {
    const busy = ['starting', 'running', 'stopping'].includes(status);
    for (const button of view.querySelectorAll('button[data-action]')) {
      const a = button.dataset.action;
      button.disabled = a === 'start' ? busy : a === 'stop' ? status === 'stopped' : status !== 'stopped';
    }
  };
  let status = pipeline.status;
  const act = (text, path, confirmText, kind) => h('button', {type: 'button', class: kind || null, 'data-action': path, onclick: async event => {
    if (confirmText && !await confirmDialog(confirmText, text)) return;
    event.currentTarget.disabled = true;
    clearProblem(problem);
    try {
      const res = await api.post(`${base}/${path}`);
      pipeline = res.pipeline;
      status = pipeline.status;
      renderMappings();
    } catch (e) {
      showProblem(problem, e);
    } finally {
      allow(status);
    }
  }}, text);
  const actions = [];
  if (canWrite) {
    actions.push(act('Start', 'start'), act('Stop', 'stop', null, 'secondary'),
      act('Resnapshot', 'resnapshot', 'Copy every table again? The next start makes a new replication slot and copies each table in chunks.',
        'secondary'),
      h('button', {type: 'button', class: 'danger', 'data-action': 'delete', onclick: async () => {
        if (!await confirmDialog(`Delete pipeline ${pipeline.name}, its events and its replication slot?`, 'Delete pipeline')) return;
        try {
          await api.del(base);
          go('/pipelines');
        } catch (e) {
          showProblem(problem, e);
        }
      }}, 'Delete'));
  }
  const links = h('p', {class: 'links'},
    session.can('events:read') ? link(`#/pipelines/${id}/events`, 'Events') : null, ' ',
    link(`#/pipelines/${id}/delivery`, 'Consumers and sinks'), ' ',
    session.can('sources:read') ? link(`#/sources/${pipeline.source_id}`, 'Source') : null);

  function renderMappings() {
    show(mappings, h('h2', {id: 'mappings-title'}, 'Table mappings'),
      table('Table mappings', ['Table', 'Enabled', 'Full copy allowed', canWrite ? 'Change' : null].filter(Boolean), pipeline.tables.map(m => h('tr', {},
        h('td', {}, `${m.source_schema}.${m.source_table}`),
        h('td', {}, m.enabled ? 'yes' : 'no'),
        h('td', {}, m.config && m.config.allow_full_copy ? 'yes' : 'no'),
        canWrite ? h('td', {}, h('button', {type: 'button', class: 'secondary small', onclick: async () => {
          clearProblem(problem);
          try {
            await api.call('PATCH', `${base}/tables/${m.id}`, {enabled: !m.enabled});
            pipeline = (await api.get(base)).pipeline;
            renderMappings();
          } catch (e) {
            showProblem(problem, e);
          }
        }}, m.enabled ? `Disable ${m.source_table}` : `Enable ${m.source_table}`)) : null)), 'No tables.'));
  }

  show(view, pageTitle(pipeline.name, ...actions), problem, links, live, mappings);
  allow(status);
  renderMappings();
  await poll(onLeave, async () => {
    try {
      const s = await api.get(`${base}/status`);
      const points = sample(id, s.events_processed);
      status = s.status;
      allow(status);
      show(live,
        h('dl', {class: 'facts'},
          fact('Status', [badge(s.status), s.error_message ? h('p', {class: 'why'}, s.error_message) : null]),
          fact('Events stored', count(s.events_processed)),
          fact('Last event', when(s.last_event_at)),
          fact('Uptime', s.uptime),
          fact('Lag', s.lag_bytes === undefined ? '–' : bytes(s.lag_bytes)),
          fact('Retained WAL', s.slot && s.slot.retained_wal_bytes !== undefined ? `${bytes(s.slot.retained_wal_bytes)} (${s.slot.wal_status || '?'})` : '–'),
          fact('Confirmed LSN', s.confirmed_lsn),
          fact('Events kept', s.last_seq ? `seq ${count(s.first_seq)} to ${count(s.last_seq)}` : 'none yet')),
        s.warnings.length ? h('ul', {class: 'warnings'}, s.warnings.map(w => h('li', {}, badge('warning', 'warn'), ' ', w.message))) : null,
        chart(points),
        h('h2', {}, 'Tables'),
        table('Tables', ['Table', 'Events', 'Last event', 'Copy'], s.tables.map(t => h('tr', {},
          h('td', {}, `${t.schema}.${t.table}`),
          h('td', {class: 'num'}, count(t.events_processed)),
          h('td', {}, when(t.last_event_at)),
          h('td', {}, snapshotCell(t.snapshot)))), 'No tables.'));
    } catch (e) {
      showProblem(problem, e);
    }
  });
}

/** The event browser: pages of a pipeline's events, filtered by table and operation, each event's JSON readable. */
async function events(view, {params, session}) {
  const id = params[0];
  const base = `/api/v1/pipelines/${api.seg(id)}/events`;
  // A position after every event answers with nothing but the bounds: where the kept events begin and end.
  const bounds = await api.get(api.path(base, {after: Number.MAX_SAFE_INTEGER, limit: 1}));
  let tables = [];
  try {
    tables = (await api.get(`/api/v1/pipelines/${api.seg(id)}/schema`)).tables;
  } catch {
    tables = [];
  }
  const problem = alertBox();
  const tableFilter = select('table', [['', 'All tables'], ...tables.map((t, i) => [String(i), `${t.schema}.${t.table}`])]);
  const opFilter = select('op', [['', 'All operations'], ...OPERATIONS]);
  const size = select('limit', ['20', '50', '100', '500'], '50');
  const body = h('div');
  const position = h('p', {role: 'status', class: 'summary'});
  let after = Math.max(0, bounds.first_seq - 1);
  let next = after;
  let last = bounds.last_seq;
  let first = bounds.first_seq;
  // Where the pages before this one began, so that Older goes back to exactly what was shown.
  let history = [];

  const filters = () => {
    const t = tables[Number(tableFilter.value)];
    return tableFilter.value && t ? {schema: t.schema, table: t.table, op: opFilter.value} : {op: opFilter.value};
  };
  // A filtered page that found nothing in its range reads on by itself, up to 20 ranges (200,000 events) per press.
  const load = async (at, back = []) => {
    clearProblem(problem);
    try {
      let page;
      let from = at;
      for (let hops = 0; hops < 20; hops += 1) {
        page = await api.get(api.path(base, {after: from, limit: size.value, ...filters()}));
        if (page.events.length || page.next_after >= page.last_seq || page.next_after === from) break;
        from = page.next_after;
        position.textContent = `Looking for matching events after seq ${count(from)}…`;
      }
      after = from;
      history = back;
      next = page.next_after;
      first = page.first_seq;
      last = page.last_seq;
      position.textContent = page.events.length
        ? `Events ${count(page.events[0].seq)} to ${count(page.events[page.events.length - 1].seq)}; kept: ${count(first)} to ${count(last)}`
        : `No matching events after seq ${count(at)} (looked up to ${count(next)}); kept: ${count(first)} to ${count(last)}`;
      show(body, page.events.length ? h('ol', {class: 'events'}, page.events.map(e => h('li', {},
        h('details', {}, h('summary', {}, h('span', {class: 'seq'}, `#${e.seq}`), ' ', badge(e.op), ' ', `${e.schema}.${e.table}`, ' ',
          h('span', {class: 'muted'}, when(e.commit_time))),
        h('pre', {class: 'json'}, JSON.stringify(e, null, 2)))))) : h('p', {class: 'empty'}, 'No events on this page.'));
    } catch (e) {
      showProblem(problem, e);
    }
  };
  const n = () => Number(size.value);
  const filtered = () => Boolean(tableFilter.value || opFilter.value);
  const oldest = () => Math.max(0, first - 1);
  const form = h('form', {class: 'filters', novalidate: true, onsubmit: event => {
    event.preventDefault();
    load(oldest());
  }}, field('Table', tableFilter), field('Operation', opFilter), field('Page size', size), h('button', {type: 'submit'}, 'Show'));
  // Older: back to the page before (a filtered page cannot be counted back to); unfiltered, seqs count back by the page size.
  // Newest: unfiltered, the last page; filtered, the matches among the last 10,000 events.
  const older = () => history.length ? load(history[history.length - 1], history.slice(0, -1))
    : load(filtered() ? oldest() : Math.max(oldest(), after - n()));
  const nav = h('div', {class: 'actions pager'},
    h('button', {type: 'button', class: 'secondary', onclick: () => load(oldest())}, 'Oldest'),
    h('button', {type: 'button', class: 'secondary', onclick: older}, 'Older'),
    h('button', {type: 'button', class: 'secondary', onclick: () => load(next, next > after ? [...history, after] : history)}, 'Newer'),
    h('button', {type: 'button', class: 'secondary', onclick: () => load(Math.max(oldest(), last - (filtered() ? 10000 : n())))}, 'Newest'));
  show(view, pageTitle('Events'), h('p', {}, link(session.can('pipelines:read') ? `#/pipelines/${id}` : '#/events', 'Back')), form, problem, position,
    nav, body);
  await load(after);
}

/** The consumers and webhook sinks of a pipeline, with their lag and state. */
async function delivery(view, {params, session, onLeave}) {
  const id = params[0];
  const base = `/api/v1/pipelines/${api.seg(id)}`;
  const problem = alertBox();
  const consumers = h('section', {'aria-labelledby': 'consumers-title'});
  const sinks = h('section', {'aria-labelledby': 'sinks-title'});
  const canWrite = session.can('pipelines:write');
  show(view, pageTitle('Consumers and sinks'), session.can('pipelines:read') ? h('p', {}, link(`#/pipelines/${id}`, 'Back to the pipeline')) : null,
    problem, consumers, sinks);
  const sinkAction = (s, action) => h('button', {type: 'button', class: 'secondary small', onclick: async () => {
    clearProblem(problem);
    try {
      await api.post(`${base}/sinks/${api.seg(s.name)}/${action}`);
    } catch (e) {
      showProblem(problem, e);
    }
  }}, `${action === 'pause' ? 'Pause' : 'Resume'} ${s.name}`);
  await poll(onLeave, async () => {
    try {
      if (session.can('consumers:read')) {
        const list = (await api.get(`${base}/consumers`)).consumers;
        show(consumers, h('h2', {id: 'consumers-title'}, 'Consumers'),
          table('Consumers', ['Name', 'Cursor', 'Lag (events)', 'Lag (seconds)', 'Batches held', 'Last ack', 'State'], list.map(c => h('tr', {},
            h('td', {}, c.name), h('td', {class: 'num'}, count(c.cursor)), h('td', {class: 'num'}, count(c.lag_events)),
            h('td', {class: 'num'}, c.lag_seconds.toFixed(1)), h('td', {class: 'num'}, count(c.batches_held)), h('td', {}, when(c.last_ack_at)),
            h('td', {}, c.expired ? badge('expired', 'fail') : badge('ok', 'pass')))), 'No consumers.'));
      }
      if (session.can('pipelines:read')) {
        const list = (await api.get(`${base}/sinks`)).sinks;
        show(sinks, h('h2', {id: 'sinks-title'}, 'Webhook sinks'),
          table('Webhook sinks', ['Name', 'URL', 'State', 'Cursor', 'Lag (events)', 'Delivered', 'Last success', 'Last error',
            canWrite ? 'Change' : null].filter(Boolean), list.map(s => h('tr', {},
            h('td', {}, s.name), h('td', {class: 'url'}, s.url), h('td', {}, badge(s.state)), h('td', {class: 'num'}, count(s.cursor)),
            h('td', {class: 'num'}, count(s.lag_events)), h('td', {class: 'num'}, count(s.delivered_events)), h('td', {}, when(s.last_success_at)),
            h('td', {}, s.last_error ? [s.last_error, s.next_attempt_at ? ` (next try ${when(s.next_attempt_at)})` : ''] : '–'),
            canWrite ? h('td', {}, sinkAction(s, s.state === 'paused' || s.state === 'failed' ? 'resume' : 'pause')) : null)), 'No webhook sinks.'));
      }
    } catch (e) {
      showProblem(problem, e);
    }
  });
}

/** Where a key that reads events starts: the pipelines it may read. */
async function eventsHome(view, {session}) {
  const ids = session.me.role === 'consumer' ? session.me.pipeline_ids.map(id => ({id, name: id}))
    : session.can('pipelines:read') ? await api.all('/api/v1/pipelines', 'pipelines') : [];
  show(view, pageTitle('Events'), h('p', {}, 'Pick a pipeline to browse its events.'),
    h('ul', {class: 'plain'}, ids.map(p => h('li', {}, link(`#/pipelines/${p.id}/events`, p.name)))));
}

export const pipelinePages = [
  {path: /^\/pipelines$/, permission: 'pipelines:read', render: list},
  {path: /^\/pipelines\/([0-9a-f-]{36})$/, permission: 'pipelines:read', render: detail},
  {path: /^\/pipelines\/([0-9a-f-]{36})\/events$/, permission: 'events:read', render: events},
  {path: /^\/pipelines\/([0-9a-f-]{36})\/delivery$/, permission: 'consumers:read', render: delivery},
  {path: /^\/events$/, permission: 'events:read', render: eventsHome},
];
