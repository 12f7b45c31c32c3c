// The console's shell: sign-in, the navigation a key's role allows, and a router over the location's hash
// (#/pipelines/<id>), so the key never appears in a URL and every page has an address to come back to.

import * as api from './api.js';
import {h, show, showProblem, clearProblem} from './dom.js';
import {sourcePages, forgetOnboarding} from './sources.js';
import {pipelinePages, forgetSamples} from './pipelines.js';
import {adminPages} from './admin.js';

const page = document.getElementById('page');
const signInSection = document.getElementById('sign-in');
const signInForm = document.getElementById('sign-in-form');
const signInProblem = document.getElementById('sign-in-problem');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

/** What the signed-in key may do, from GET /api/v1/me. */
const session = {
  me: null,
  can(permission) {
    return Boolean(this.me && this.me.permissions.includes(permission));
  },
};

const routes = [...sourcePages, ...pipelinePages, ...adminPages];
let leave = [];
let shown = 0;

/**
 * What a page registers to stop when it is left (a poll). A page left before it got that far (its first request was
 * still out) has its poll stopped at once instead of polling behind the next page.
 */
function leaving(page) {
  return stop => {
    if (page === shown) leave.push(stop);
    else stop();
  };
}

function navigation() {
  const items = [
    ['#/onboard', 'Get started', 'sources:write'],
    ['#/sources', 'Sources', 'sources:read'],
    ['#/pipelines', 'Pipelines', 'pipelines:read'],
    ['#/events', 'Events', 'events:read'],
    ['#/keys', 'Keys', 'keys:manage'],
    ['#/audit', 'Audit log', 'audit:read'],
  ].filter(([, , permission]) => session.can(permission));
  show(nav, h('ul', {}, items.map(([href, text]) => h('li', {}, h('a', {href}, text)))));
  nav.hidden = false;
  const me = session.me;
  document.getElementById('who-text').textContent = me.auth_enabled ? `${me.key_name} (${me.role})` : 'access control off (admin)';
  who.hidden = false;
  document.getElementById('sign-out').hidden = !me.auth_enabled;
}

function markCurrent() {
  for (const a of nav.querySelectorAll('a')) {
    const here = location.hash === a.getAttribute('href') || location.hash.startsWith(`${a.getAttribute('href')}/`);
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  leave.forEach(stop => stop());
  leave = [];
  shown += 1;
  if (!session.me) return;
  const hash = location.hash.replace(/^#/, '') || home();
  for (const r of routes) {
    const m = hash.match(r.path);
    if (!m) continue;
    if (r.permission && !session.can(r.permission)) break;
    markCurrent();
    const view = h('div', {class: 'view'});
    show(page, view);
    try {
      await r.render(view, {params: m.slice(1).map(decodeURIComponent), session, onLeave: leaving(shown), go});
    } catch (e) {
      if (e instanceof api.ApiError && e.status === 401) return;
      const box = h('div', {class: 'problem', role: 'alert'});
      show(view, box);
      showProblem(box, e);
    }
    return;
  }
  location.hash = home();
}

function home() {
  if (session.can('pipelines:read')) return '/pipelines';
  if (session.can('events:read')) return '/events';
  return '/sources';
}

function go(hash) {
  if (location.hash === `#${hash}`) route();
  else location.hash = hash;
}

function signedOut(problem) {
  api.signOut();
  session.me = null;
  // Nothing of this key's session is left for the next one signing in on this tab.
  forgetOnboarding();
  forgetSamples();
  leave.forEach(stop => stop());
  leave = [];
  shown += 1;
  nav.hidden = true;
  who.hidden = true;
  page.replaceChildren();
  signInSection.hidden = false;
  if (problem) showProblem(signInProblem, {problem});
  else clearProblem(signInProblem);
  document.getElementById('key').focus();
}

async function start() {
  try {
    session.me = await api.get('/api/v1/me');
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) {
      // A stored key that no longer works says why; no key at all is just the form.
      signedOut(api.key() ? e.problem : null);
      return;
    }
    signInSection.hidden = true;
    const box = h('div', {class: 'problem', role: 'alert'});
    show(page, box);
    showProblem(box, e);
    return;
  }
  signInSection.hidden = true;
  navigation();
  route();
}

signInForm.addEventListener('submit', async event => {
  event.preventDefault();
  const input = document.getElementById('key');
  const value = input.value.trim();
  if (!value) {
    showProblem(signInProblem, {problem: {title: 'Enter an API key', detail: 'The admin key of a new install is in data/admin.key.'}});
    input.focus();
    return;
  }
  api.signIn(value);
  input.value = '';
  await start();
});

document.getElementById('sign-out').addEventListener('click', () => signedOut(null));
// The skip link moves the focus, not the route (the hash names pages here).
document.querySelector('.skip').addEventListener('click', event => {
  event.preventDefault();
  document.getElementById('main').focus();
});
api.whenSignedOut(problem => signedOut(problem));
window.addEventListener('hashchange', route);
start();
