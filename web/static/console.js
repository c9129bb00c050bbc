// console.js — the facilitator console: first-run setup, login, cohorts,
// rosters and invite links, sessions; the live room is console-room.js.
//
// Views are chosen by the URL hash (#/, #/cohort/{id}, #/room/{sessionId}),
// so a reload keeps the facilitator where they were.

import { api, enc, ApiError } from './api.js';
import { roomView } from './console-room.js';
import { summaryPage, overviewPage } from './memory.js';
import {
  agendaEditor, agendaLine, templateStore, pruneAgendaDrafts, hasAgendaDraft,
} from './console-agenda.js';
import { itemTitle, statusBadge } from './agenda.js';
import { erasePanel, askRemoveParticipant, accountPanel } from './console-erase.js';
import {
  $, h, setText, announce, formatDateTime, formatTime, storage, fill, formError, field, busy, keepFocus,
} from './dom.js';

const DEFAULT_AGREEMENTS = [
  'What is shared here stays here: we keep each other\'s stories confidential.',
  'We speak from our own experience ("I…") and we don\'t give advice unless asked.',
  'Everyone has the right to pass, at any moment, without explaining why.',
  'We listen without interrupting, and we are gentle with ourselves and each other.',
].join('\n');

// The longest closing words and support lines a cohort keeps, in characters.
const CARE_TEXT_MAX = 2000;
// How often the cohort page looks again at who waits and at a live agenda,
// while it is seen, and how long one look may take.
const POLL_MS = 5000;
const FETCH_TIMEOUT_MS = 8000;

const app = $('#app');
let me = null;
let cleanup = null; // ends the current view (its live connection)
let viewSerial = 0;
let routing = false;

// --- small helpers -------------------------------------------------------------

function mount(...children) {
  endView();
  fill(app, ...children);
  const heading = app.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
  window.scrollTo(0, 0);
}

function endView() {
  if (cleanup) {
    const fn = cleanup;
    cleanup = null;
    fn();
  }
}

function mountMessage(title, text, ...extra) {
  mount(h('section', { class: 'narrow' }, h('h1', null, title), text ? h('p', null, text) : null, ...extra));
}

/** call is api() for a logged-in facilitator: a 401 sends them back to the login form. */
async function call(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (err) {
    if (err.status === 401 && me) loginLost();
    throw err;
  }
}

/**
 * getWithin is call('GET', path) that gives up after ms: a look that the
 * page repeats must not hang on a connection that went quiet.
 */
async function getWithin(path, ms) {
  const stop = new AbortController();
  const timer = window.setTimeout(() => stop.abort(), ms);
  try {
    const res = await fetch(path, {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }, signal: stop.signal,
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const e = (data && data.error) || {};
      if (res.status === 401 && me) loginLost();
      throw new ApiError(res.status, e.code || 'internal', e.message || `The server answered ${res.status}.`);
    }
    return data;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(0, 'network', stop.signal.aborted
      ? 'Hearth did not answer in time.'
      : 'Hearth cannot be reached right now.');
  } finally {
    window.clearTimeout(timer);
  }
}

function loginLost() {
  me = null;
  setMe(null);
  endView();
  showLogin('Your login has ended. Please log in again.');
}

function setMe(account) {
  setText($('#me-name'), account ? account.name : '');
  $('#logout').hidden = !account;
  $('#account-link').hidden = !account;
}

function rememberSessionCohort(sessionId, cohortId) {
  const map = storage.get('hearth.sessionCohorts') || {};
  if (map[sessionId] === cohortId) return;
  map[sessionId] = cohortId;
  const keys = Object.keys(map);
  if (keys.length > 200) delete map[keys[0]];
  storage.set('hearth.sessionCohorts', map);
}

function sessionCohort(sessionId) {
  const map = storage.get('hearth.sessionCohorts') || {};
  return map[sessionId] || '';
}

/** copyText puts text on the clipboard; without clipboard access it selects `select` for Ctrl+C. */
async function copyText(text, select) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to selecting the text
  }
  if (select) {
    select.focus();
    select.select();
    try {
      if (document.execCommand('copy')) return true;
    } catch {
      // not supported
    }
  }
  return false;
}

/**
 * loopbackWarning says, when the server makes invite links on a loopback
 * address (GET /api/me's loopback), that phones cannot open them; null
 * otherwise.
 */
function loopbackWarning() {
  if (!me || !me.loopback) return null;
  const where = me.publicUrl || 'this computer';
  return h('div', { class: 'notice warn', id: 'loopback-warning' },
    h('p', null, h('strong', null, 'Invite links point at '), h('code', null, where),
      h('strong', null, ', which phones cannot open.')),
    h('p', null, 'Start Hearth with ', h('code', null, '--public-url'),
      ' set to an address people can reach: on a trusted network, ',
      h('code', null, '--addr 0.0.0.0:8080 --public-url http://<this computer\'s network address>:8080'),
      '; on the internet, your HTTPS address behind a reverse proxy. See the README.'));
}

const COPY_KEY = /Mac|iPhone|iPad/.test(navigator.platform || '') ? '⌘C' : 'Ctrl+C';

/**
 * askUnsaved asks, before a room opens, what to do with an agenda that is
 * not saved; it resolves to 'save', 'open' (without the changes) or
 * 'cancel'. pending is the agenda editor's unsaved().
 */
function askUnsaved(session, pending) {
  const title = session.title || 'this session';
  const lines = (list) => (list.length
    ? `${list.length === 1 ? '1 activity' : `${list.length} activities`}: ${list.map(itemTitle).join(' · ')}`
    : 'no activities');
  const saved = Array.isArray(session.agenda) ? session.agenda : [];
  const save = h('button', { type: 'button', class: 'primary', id: 'open-save' },
    pending.reason === 'template' ? 'Use the template, save and open' : 'Save and open');
  const anyway = h('button', { type: 'button', id: 'open-anyway' },
    pending.reason === 'template' ? 'Open without it' : 'Open without these changes');
  const cancel = h('button', { type: 'button', id: 'open-cancel' }, 'Cancel');
  const dialog = h('dialog', { id: 'open-unsaved', class: 'ask', 'aria-labelledby': 'open-unsaved-heading', 'aria-describedby': 'open-unsaved-text' },
    h('h2', { id: 'open-unsaved-heading' }, pending.reason === 'template'
      ? `The template “${pending.template}” is not used yet`
      : `The agenda of ${title} is not saved`),
    h('div', { id: 'open-unsaved-text' },
      h('p', null, pending.reason === 'template'
        ? `You chose the template “${pending.template}” for ${title}, but it is not in the agenda yet. The room opens with the saved agenda.`
        : `${title} has changes to its agenda that are not saved. The room opens with the saved agenda.`),
      h('dl', { class: 'ask-agendas' },
        h('dt', null, 'Not saved'), h('dd', { id: 'open-unsaved-items' }, lines(pending.items)),
        h('dt', null, 'Saved'), h('dd', { id: 'open-saved-items' }, lines(saved)))),
    h('div', { class: 'actions' }, save, anyway, cancel));
  return new Promise((resolve) => {
    let answer = 'cancel';
    const done = (value) => {
      answer = value;
      dialog.close();
    };
    save.addEventListener('click', () => done('save'));
    anyway.addEventListener('click', () => done('open'));
    cancel.addEventListener('click', () => done('cancel'));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    save.focus();
  });
}

// --- start -------------------------------------------------------------------

async function boot() {
  try {
    me = await api('GET', '/api/me');
  } catch (err) {
    if (err.status === 401) {
      showSignedOut();
    } else {
      mountMessage('Hearth cannot be reached', err.message,
        h('button', { type: 'button', class: 'primary', onclick: boot }, 'Try again'));
    }
    return;
  }
  loggedIn();
}

function setupToken() {
  const m = location.pathname.match(/^\/setup\/([^/]+)\/?$/);
  return m ? decodeURIComponent(m[1]) : '';
}

async function showSignedOut(message) {
  setMe(null);
  const token = setupToken();
  if (token) {
    const link = await setupLink(token);
    if (link.state === 'used') {
      history.replaceState(null, '', '/');
      showLogin('This setup link has been used. Log in instead.');
    } else if (link.state === 'unknown' || link.state === 'slow') {
      mountMessage('This setup link is not valid',
        link.state === 'slow' ? link.message
          : 'It is not the link the server printed when it started. Please use the link from the server\'s log.',
        h('p', { class: 'muted' }, 'The link looks like …/setup/ followed by a long code. It works once.'));
    } else {
      showSetup(token);
    }
    return;
  }
  let needed = false;
  try {
    const res = await api('GET', '/api/setup');
    needed = Boolean(res && res.needed);
  } catch {
    needed = false;
  }
  if (needed) {
    mountMessage('Welcome to Hearth',
      'Open the setup link printed in the server\'s log to create the first account.',
      h('p', { class: 'muted' }, 'The link looks like …/setup/ followed by a long code. It works once.'));
  } else {
    showLogin(message);
  }
}

/**
 * setupLink asks the server about a setup link before showing its form
 * (GET /api/setup?token=): {state: 'used'} once an account exists,
 * {state: 'unknown'} for a link it did not make, {state: 'slow', message}
 * after too many wrong ones, {state: 'ok'} otherwise (also when it cannot
 * tell: the form's own answer then speaks).
 */
async function setupLink(token) {
  try {
    const res = await api('GET', `/api/setup?token=${enc(token)}`);
    return { state: res && res.needed === false ? 'used' : 'ok' };
  } catch (err) {
    if (err.status === 409) return { state: 'used' };
    if (err.status === 401) return { state: 'unknown' };
    if (err.status === 429) return { state: 'slow', message: err.message };
    return { state: 'ok' };
  }
}

async function loggedIn() {
  if (!('loopback' in me)) {
    // A login answers with the account alone; /api/me adds where invite
    // links point, which the cohort page warns about.
    try {
      me = { ...me, ...await api('GET', '/api/me') };
    } catch {
      // The pages work without it: no warning is all that is lost.
    }
  }
  setMe(me);
  if (setupToken()) history.replaceState(null, '', `/${location.hash}`);
  if (!routing) {
    routing = true;
    window.addEventListener('hashchange', route);
  }
  route();
}

async function logout() {
  try {
    await api('POST', '/api/logout');
  } catch {
    // The cookie may already be gone; either way we show the login form.
  }
  me = null;
  setMe(null);
  endView();
  history.replaceState(null, '', '/');
  showLogin();
  announce('You are logged out.');
}

// --- setup and login ------------------------------------------------------------

function showSetup(token) {
  const email = h('input', { type: 'email', id: 'setup-email', name: 'email', autocomplete: 'username', required: true, maxlength: 254 });
  const name = h('input', { type: 'text', id: 'setup-name', name: 'name', autocomplete: 'name', required: true, maxlength: 100 });
  const password = h('input', { type: 'password', id: 'setup-password', name: 'password', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 256 });
  const password2 = h('input', { type: 'password', id: 'setup-password2', name: 'password2', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 256 });
  const error = formError('setup-error');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create account');
  const form = h('form', { id: 'setup-form', class: 'panel' },
    field('Email', email),
    field('Your name', name, 'Participants see this name in the room.'),
    field('Password', password, 'At least 10 characters. A long passphrase is easiest to remember.'),
    field('Password again', password2),
    error,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    if (password.value.length < 10) {
      setText(error, 'The password needs at least 10 characters.');
      password.focus();
      return;
    }
    if (password.value !== password2.value) {
      setText(error, 'The two passwords are not the same.');
      password2.focus();
      return;
    }
    busy(submit, async () => {
      try {
        me = await api('POST', '/api/setup', {
          token, email: email.value.trim(), name: name.value.trim(), password: password.value,
        });
        history.replaceState(null, '', '/');
        loggedIn();
      } catch (err) {
        if (err.status === 401) {
          setText(error, 'This setup link is not valid. Please use the link from the server\'s log.');
        } else if (err.status === 409) {
          setText(error, 'The first account already exists. Please log in.');
          form.after(h('p', null, h('a', { href: '/' }, 'Go to the login')));
        } else {
          setText(error, err.message);
        }
      }
    });
  });
  mount(h('section', { class: 'narrow' },
    h('h1', null, 'Welcome to Hearth'),
    h('p', null, 'Create the first facilitator account.'),
    form));
}

function showLogin(message) {
  const email = h('input', { type: 'email', id: 'login-email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', id: 'login-password', name: 'password', autocomplete: 'current-password', required: true });
  const error = formError('login-error');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { id: 'login-form', class: 'panel' },
    field('Email', email),
    field('Password', password),
    error,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    busy(submit, async () => {
      try {
        me = await api('POST', '/api/login', { email: email.value.trim(), password: password.value });
        password.value = '';
        loggedIn();
      } catch (err) {
        if (err.status === 401) {
          // A disabled account is told so, once its password was right.
          setText(error, /disabled/.test(err.message) ? err.message : 'That email and password do not match an account.');
        } else if (err.status === 429) {
          const wait = Number(err.retryAfter);
          setText(error, wait > 0
            ? `Too many attempts. Please wait ${wait} seconds and try again.`
            : 'Too many attempts. Please wait a little and try again.');
        } else setText(error, err.message);
        password.focus();
      }
    });
  });
  mount(h('section', { class: 'narrow' },
    h('h1', null, 'Log in'),
    message ? h('p', { class: 'notice', role: 'status' }, message) : null,
    form));
}

// --- routes -----------------------------------------------------------------------

function route() {
  if (!me) return;
  const serial = ++viewSerial;
  const hash = location.hash;
  let m = hash.match(/^#\/cohort\/([^/]+)$/);
  if (m) {
    showCohort(decodeURIComponent(m[1]), serial);
    return;
  }
  m = hash.match(/^#\/room\/([^/]+)$/);
  if (m) {
    showRoom(decodeURIComponent(m[1]));
    return;
  }
  m = hash.match(/^#\/summary\/([^/]+)$/);
  if (m) {
    showMemory(() => summaryPage({ sessionId: decodeURIComponent(m[1]), call }), serial);
    return;
  }
  if (hash === '#/account') {
    showAccount();
    return;
  }
  m = hash.match(/^#\/audit\/([^/]+)$/);
  if (m) {
    showAudit(decodeURIComponent(m[1]), serial);
    return;
  }
  m = hash.match(/^#\/overview\/([^/]+)$/);
  if (m) {
    showMemory(() => overviewPage({ cohortId: decodeURIComponent(m[1]), call }), serial);
    return;
  }
  showCohorts(serial);
}

function mountLoading() {
  endView();
  fill(app, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
}

function mountLoadError(err) {
  if (err.status === 401) return; // loginLost() already showed the login
  mountMessage(err.status === 404 ? 'Not found' : 'Something went wrong',
    err.status === 404 ? 'This could not be found, or it is not one of your cohorts.' : err.message,
    h('p', null, h('a', { href: '#/' }, 'Back to your cohorts')));
}

// --- cohorts ----------------------------------------------------------------------

async function showCohorts(serial) {
  mountLoading();
  let data;
  try {
    data = await call('GET', '/api/cohorts');
  } catch (err) {
    if (serial === viewSerial) mountLoadError(err);
    return;
  }
  if (serial !== viewSerial) return;
  const cohorts = (data && data.cohorts) || [];
  const active = cohorts.filter((c) => !c.archived);
  const archived = cohorts.filter((c) => c.archived);
  const invitations = await invitationsPanel(serial);
  if (serial !== viewSerial) return;
  mount(
    h('h1', null, 'Your cohorts'),
    invitations,
    active.length === 0 ? h('p', { class: 'muted' }, 'No cohorts yet. Create your first one below.') : null,
    h('ul', { id: 'cohorts', class: 'plain cards' }, active.map((c) => cohortCard(c))),
    archived.length ? h('section', { 'aria-labelledby': 'archived-heading' },
      h('h2', { id: 'archived-heading' }, 'Archived'),
      h('ul', { class: 'plain cards' }, archived.map((c) => cohortCard(c, 'h3')))) : null,
    newCohortPanel());
}

/**
 * invitationsPanel shows the co-facilitator invitations waiting on this
 * facilitator's email, each to accept or decline; null when there are none
 * (or they cannot be read now: the cohorts still show).
 */
async function invitationsPanel(serial) {
  let pending = [];
  try {
    const data = await call('GET', '/api/invitations');
    pending = (data && data.invitations) || [];
  } catch {
    return null;
  }
  if (pending.length === 0 || serial !== viewSerial) return null;
  const error = formError('invitations-error');
  const list = h('ul', { id: 'invitations', class: 'plain rows' });
  const panel = h('section', { class: 'panel', id: 'invitations-panel', 'aria-labelledby': 'invitations-heading' },
    h('h2', { id: 'invitations-heading' }, 'Invitations to co-facilitate'), list, error);
  function answer(invitation, accept, button, row) {
    setText(error, '');
    busy(button, async () => {
      try {
        await call('POST', `/api/invitations/${enc(invitation.cohortId)}/${accept ? 'accept' : 'decline'}`);
      } catch (err) {
        setText(error, err.message);
        return;
      }
      if (accept) {
        announce(`You now co-facilitate ${invitation.cohortName}.`);
        location.hash = `#/cohort/${enc(invitation.cohortId)}`;
        return;
      }
      row.remove();
      announce(`You declined ${invitation.cohortName}.`);
      if (!list.children.length) panel.remove();
    });
  }
  fill(list, ...pending.map((invitation) => {
    const accept = h('button', { type: 'button', class: 'primary small', dataset: { action: 'accept' } },
      'Accept', h('span', { class: 'visually-hidden' }, ` ${invitation.cohortName}`));
    const decline = h('button', { type: 'button', class: 'small', dataset: { action: 'decline' } },
      'Decline', h('span', { class: 'visually-hidden' }, ` ${invitation.cohortName}`));
    const row = h('li', { dataset: { cohortId: invitation.cohortId } },
      h('span', { class: 'name' }, invitation.cohortName), ' ',
      h('span', { class: 'muted' }, invitation.invitedBy ? `${invitation.invitedBy} invites you to co-facilitate.` : 'You are invited to co-facilitate.'),
      ' ', accept, ' ', decline);
    accept.addEventListener('click', () => answer(invitation, true, accept, row));
    decline.addEventListener('click', () => answer(invitation, false, decline, row));
    return row;
  }));
  return panel;
}

function cohortCard(cohort, headingTag = 'h2') {
  if (cohort.liveSessionId) rememberSessionCohort(cohort.liveSessionId, cohort.id);
  return h('li', { class: 'card' },
    h(headingTag, { class: 'card-title' }, h('a', { href: `#/cohort/${enc(cohort.id)}`, dataset: { cohortId: cohort.id } }, cohort.name)),
    cohort.description ? h('p', { class: 'muted small preserve' }, cohort.description) : null,
    cohort.archived ? h('span', { class: 'badge' }, 'Archived') : null,
    cohort.liveSessionId ? h('p', { class: 'actions tight' },
      h('span', { class: 'badge live' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '●'), ' Live now'),
      h('a', { class: 'button primary', href: `#/room/${enc(cohort.liveSessionId)}` },
        'Enter room', h('span', { class: 'visually-hidden' }, ` of ${cohort.name}`))) : null);
}

function newCohortPanel() {
  const name = h('input', { type: 'text', id: 'cohort-name', name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const description = h('textarea', { id: 'cohort-description', name: 'description', maxlength: 2000, rows: 2 });
  const agreements = h('textarea', { id: 'cohort-agreements', name: 'agreements', maxlength: 5000, rows: 6, value: DEFAULT_AGREEMENTS });
  const video = h('input', { type: 'url', id: 'cohort-video', name: 'videoUrl', maxlength: 500, placeholder: 'https://', autocomplete: 'off' });
  const error = formError('new-cohort-error');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create cohort');
  const form = h('form', { id: 'new-cohort-form' },
    field('Name', name, 'For example "Tuesday integration circle".'),
    field('Description (optional)', description),
    field('Group agreements', agreements, 'Each participant reads and accepts these once before joining. One agreement per line.'),
    field('Video-call link (optional)', video, 'If the group meets on a video call, its link is shown in the room.'),
    error,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    if (!name.value.trim()) {
      setText(error, 'Please give the cohort a name.');
      name.focus();
      return;
    }
    busy(submit, async () => {
      try {
        const cohort = await call('POST', '/api/cohorts', {
          name: name.value.trim(), description: description.value.trim(),
          agreements: agreements.value.trim(), videoUrl: video.value.trim(),
        });
        location.hash = `#/cohort/${enc(cohort.id)}`;
      } catch (err) {
        setText(error, err.message);
      }
    });
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'new-cohort-heading' },
    h('h2', { id: 'new-cohort-heading' }, 'New cohort'), form);
}

// --- one cohort -------------------------------------------------------------------

async function showCohort(id, serial) {
  mountLoading();
  let cohort;
  try {
    cohort = await call('GET', `/api/cohorts/${enc(id)}`);
  } catch (err) {
    if (serial === viewSerial) mountLoadError(err);
    return;
  }
  if (serial !== viewSerial) return;
  document.title = `${cohort.name} · Hearth`;

  const title = h('h1');
  const archivedBadge = h('span', { class: 'badge', hidden: true }, 'Archived');
  const description = h('p', { class: 'muted preserve' });
  const sessions = sessionsPanel();
  const participants = participantsPanel();
  const facilitators = facilitatorsPanel();
  const details = detailsPanel();
  const care = carePanel();
  const erase = erasePanel({
    get: () => cohort, me: () => me || {}, update: (next) => update(next), gone: () => { location.hash = '#/'; },
  });

  function update(next) {
    if (next) cohort = next;
    setText(title, cohort.name);
    archivedBadge.hidden = !cohort.archived;
    setText(description, cohort.description || '');
    document.title = `${cohort.name} · Hearth`;
    sessions.render();
    participants.render();
    facilitators.render();
    erase.render();
  }

  mount(
    h('p', null, h('a', { href: '#/' }, '← All cohorts')),
    h('div', { class: 'row-head' }, title, archivedBadge),
    description,
    h('p', { class: 'actions tight' }, h('a', { class: 'button', id: 'overview-link', href: `#/overview/${enc(id)}` },
      'Overview, notes and export'),
    h('a', { class: 'button', id: 'audit-link', href: `#/audit/${enc(id)}` }, 'Who did what')),
    h('div', { class: 'columns cohort-columns' },
      h('div', null, sessions.root, facilitators.root),
      h('div', null, participants.root, care.root, details.root, erase.root)));
  cleanup = sessions.stop;
  update();
  details.fill();
  care.fill();

  // --- sessions
  function sessionsPanel() {
    const templates = templateStore(call);
    const editors = new Map(); // session id → its agenda editor, kept across renders
    let openAgenda = null; // the session whose agenda editor is open ('' for none)
    const list = h('ul', { id: 'sessions', class: 'plain rows' });
    const empty = h('p', { class: 'muted' }, 'No sessions planned yet.');
    const listError = formError('sessions-error');
    const titleInput = h('input', { type: 'text', id: 'session-title', name: 'title', required: true, maxlength: 100, autocomplete: 'off' });
    const starts = h('input', { type: 'datetime-local', id: 'session-starts', name: 'startsAt', required: true });
    const error = formError('session-error');
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Plan session');
    const form = h('form', { id: 'session-form' },
      field('Title', titleInput, 'For example "Week 1".'),
      field('Date and time', starts, 'In your own time zone.'),
      error,
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      setText(error, '');
      const when = starts.value ? new Date(starts.value) : null;
      if (!titleInput.value.trim()) {
        setText(error, 'Please give the session a title.');
        titleInput.focus();
        return;
      }
      if (!when || Number.isNaN(when.getTime())) {
        setText(error, 'Please choose a date and time.');
        starts.focus();
        return;
      }
      busy(submit, async () => {
        try {
          const session = await call('POST', `/api/cohorts/${enc(cohort.id)}/sessions`, {
            title: titleInput.value.trim(), startsAt: when.toISOString(),
          });
          cohort.sessions = [...(cohort.sessions || []), session];
          titleInput.value = '';
          starts.value = '';
          openAgenda = session.id;
          storage.set(`hearth.openAgenda.${cohort.id}`, openAgenda);
          sessions.render();
          announce(`Session “${session.title}” planned.`);
        } catch (err) {
          setText(error, err.message);
        }
      });
    });

    function row(session) {
      rememberSessionCohort(session.id, cohort.id);
      const status = session.status;
      let action = null;
      let agendaToggle = null;
      let editor = null;
      if (status === 'planned') {
        const open = openAgenda === session.id;
        agendaToggle = h('button', {
          type: 'button', dataset: { action: 'agenda' }, 'aria-expanded': open ? 'true' : 'false',
          'aria-controls': open ? 'agenda-editor' : null,
        }, open ? 'Hide the agenda' : 'Plan the agenda', h('span', { class: 'visually-hidden' }, ` for ${session.title}`));
        agendaToggle.addEventListener('click', () => {
          openAgenda = open ? '' : session.id;
          storage.set(`hearth.openAgenda.${cohort.id}`, openAgenda);
          render();
          const again = list.querySelector(`li[data-session-id="${CSS.escape(session.id)}"]`);
          if (!open && editors.get(session.id)) editors.get(session.id).focus();
          else if (again) again.querySelector('button[data-action="agenda"]').focus();
        });
        if (open) {
          editor = editors.get(session.id);
          if (editor) editor.refresh(session);
          else {
            editor = agendaEditor({ session, call, templates, onSaved: agendaSaved });
            editors.set(session.id, editor);
          }
        }
      }
      if (status === 'planned') {
        action = h('button', { type: 'button', dataset: { action: 'open' } }, 'Open room',
          h('span', { class: 'visually-hidden' }, ` for ${session.title}`));
        action.addEventListener('click', () => busy(action, () => openRoom(session, action)));
      } else if (status === 'live') {
        action = h('button', { type: 'button', class: 'primary', dataset: { action: 'enter' } }, 'Enter room',
          h('span', { class: 'visually-hidden' }, ` for ${session.title}`));
        action.addEventListener('click', () => { location.hash = `#/room/${enc(session.id)}`; });
      }
      const summaryLink = status === 'planned' ? null
        : h('a', { class: 'button', href: `#/summary/${enc(session.id)}`, dataset: { action: 'summary' } }, 'Summary',
          h('span', { class: 'visually-hidden' }, ` of ${session.title}`));
      const badge = status === 'live'
        ? h('span', { class: 'badge live' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '●'), ' Live now')
        : status === 'closed' ? h('span', { class: 'badge' }, 'Closed') : h('span', { class: 'badge wait' }, 'Planned');
      return h('li', { dataset: { sessionId: session.id, status } },
        h('div', { class: 'row-head' },
          h('h3', { class: 'name' }, session.title), badge),
        h('p', { class: 'muted small' }, formatDateTime(session.startsAt),
          status === 'closed' && session.closedAt ? ` · closed ${formatDateTime(session.closedAt)}` : ''),
        h('p', { class: 'small agenda-line', dataset: { agendaLine: '' } }, agendaLine(session.agenda),
          status === 'planned' && openAgenda !== session.id && hasAgendaDraft(session.id) ? h('span', { class: 'badge wait draft-badge' }, 'Unsaved changes') : null),
        action || agendaToggle || summaryLink ? h('div', { class: 'actions tight' }, action, summaryLink, agendaToggle) : null,
        status === 'live' ? liveAgenda.show(session) : null,
        status === 'planned' && session.id === watchedPlanned() ? waiting.show(session) : null,
        editor ? editor.root : null);
    }

    /**
     * openRoom opens the session's room, after asking what to do with an
     * agenda that is not saved: the room opens with the saved one.
     */
    async function openRoom(session, button) {
      setText(listError, '');
      let editor = editors.get(session.id);
      if (!editor && hasAgendaDraft(session.id)) {
        editor = agendaEditor({ session, call, templates, onSaved: agendaSaved });
        editors.set(session.id, editor);
      }
      const pending = editor ? editor.unsaved() : null;
      if (pending) {
        const choice = await askUnsaved(session, pending);
        if (choice === 'cancel') {
          button.focus();
          return;
        }
        if (choice === 'save') {
          // The editor shows why a save fails, so it must be in the page.
          if (openAgenda !== session.id) {
            openAgenda = session.id;
            storage.set(`hearth.openAgenda.${cohort.id}`, openAgenda);
            render();
          }
          if (!await editor.saveForOpening()) {
            editor.showError();
            return;
          }
        } else {
          editor.discard();
        }
      }
      try {
        await call('POST', `/api/sessions/${enc(session.id)}/open`);
        location.hash = `#/room/${enc(session.id)}`;
      } catch (err) {
        setText(listError, err.status === 409
          ? `${err.message} (Only one session of a cohort can be live at a time.)`
          : err.message);
      }
    }

    // --- who waits, and the live agenda, kept fresh while the page is seen

    /** watchedPlanned is the planned session whose waiting people are shown ('' for none). */
    function watchedPlanned() {
      const all = cohort.sessions || [];
      if (all.some((x) => x.status === 'live')) return '';
      const next = [...all].filter((x) => x.status === 'planned').sort(order)[0];
      return next ? next.id : '';
    }

    const waiting = waitingView();
    const liveAgenda = liveAgendaView();
    let pollTimer = 0;
    let polling = false;
    let stopped = false;

    async function poll() {
      window.clearTimeout(pollTimer);
      pollTimer = 0;
      if (stopped || polling || document.visibilityState !== 'visible') return;
      polling = true;
      try {
        const live = (cohort.sessions || []).find((x) => x.status === 'live');
        const planned = watchedPlanned();
        if (live) {
          await liveAgenda.refresh(live.id);
        } else if (planned) {
          await waiting.refresh(planned);
        }
      } finally {
        polling = false;
        if (!stopped && document.visibilityState === 'visible') pollTimer = window.setTimeout(poll, POLL_MS);
      }
    }

    function onVisibility() {
      if (document.visibilityState === 'visible') poll();
      else {
        window.clearTimeout(pollTimer);
        pollTimer = 0;
      }
    }
    document.addEventListener('visibilitychange', onVisibility);

    function stop() {
      stopped = true;
      window.clearTimeout(pollTimer);
      document.removeEventListener('visibilitychange', onVisibility);
    }

    function agendaSaved(fresh) {
      cohort.sessions = (cohort.sessions || []).map((x) => (x.id === fresh.id ? { ...x, ...fresh } : x));
      render();
    }

    function order(a, b) {
      const rank = { live: 0, planned: 1, closed: 2 };
      const r = (rank[a.status] ?? 3) - (rank[b.status] ?? 3);
      if (r) return r;
      const ta = Date.parse(a.startsAt) || 0;
      const tb = Date.parse(b.startsAt) || 0;
      return a.status === 'closed' ? tb - ta : ta - tb;
    }

    function render() {
      const all = [...(cohort.sessions || [])].sort(order);
      empty.hidden = all.length > 0;
      // The soonest planned session's agenda is open until the facilitator
      // chooses another (or closes it).
      const planned = all.filter((x) => x.status === 'planned');
      if (openAgenda == null) {
        // The agenda open before a reload, else one with unsaved changes.
        const remembered = storage.get(`hearth.openAgenda.${cohort.id}`);
        if (remembered === '' || planned.some((x) => x.id === remembered)) openAgenda = remembered;
        else {
          const drafted = planned.find((x) => hasAgendaDraft(x.id));
          if (drafted) openAgenda = drafted.id;
        }
      }
      if (openAgenda == null || (openAgenda && !planned.some((x) => x.id === openAgenda))) {
        openAgenda = planned.length ? planned[0].id : null;
      }
      keepFocus(() => fill(list, ...all.map(row)));
      if (!pollTimer && !polling) poll();
    }

    return {
      root: h('section', { class: 'panel', 'aria-labelledby': 'sessions-heading' },
        h('h2', { id: 'sessions-heading' }, 'Sessions'), empty, list, listError,
        h('h3', null, 'Plan a session'), form),
      render,
      stop,
    };
  }

  /**
   * waitingView shows who is waiting on their link for the room to open
   * (GET /api/sessions/{id}/waiting), and says each new arrival.
   *
   * Hooks: #waiting, #waiting-list li[data-participant-id].
   */
  function waitingView() {
    const status = h('p', { class: 'muted small', id: 'waiting-status' }, 'Checking who is waiting…');
    const list = h('ul', { id: 'waiting-list', class: 'plain waiting-list' });
    const root = h('section', { id: 'waiting', class: 'waiting-now', 'aria-labelledby': 'waiting-heading' },
      h('h4', { id: 'waiting-heading' }, 'Waiting for the room'), list, status);
    let sessionId = '';
    let known = null; // participant IDs seen waiting, once the first answer came

    async function refresh(id) {
      if (id !== sessionId) return;
      let data;
      try {
        data = await getWithin(`/api/sessions/${enc(id)}/waiting`, FETCH_TIMEOUT_MS);
      } catch (err) {
        if (err.status === 401 || id !== sessionId) return;
        setText(status, `Who is waiting cannot be checked right now (${err.message}) Trying again in a moment.`);
        status.dataset.kind = 'error';
        return;
      }
      if (id !== sessionId) return;
      const people = (data && Array.isArray(data.waiting)) ? data.waiting : [];
      const arrived = known ? people.filter((p) => !known.has(p.id)) : [];
      known = new Set(people.map((p) => p.id));
      fill(list, ...people.map((p) => h('li', { dataset: { participantId: p.id } },
        h('span', { class: 'name' }, p.name || 'Someone'),
        p.since ? h('span', { class: 'muted small' }, ` · since ${formatTime(p.since)}`) : null)));
      status.dataset.kind = '';
      setText(status, people.length === 0
        ? 'Nobody is waiting yet. People who open their link before the room opens appear here.'
        : `${people.length === 1 ? '1 person is' : `${people.length} people are`} waiting. Opening the room lets them in.`);
      if (arrived.length) announce(`${arrived.map((p) => p.name).join(', ')} ${arrived.length === 1 ? 'is' : 'are'} waiting for the room.`);
    }

    return {
      /** show returns the view for session s, starting afresh for another session. */
      show(s) {
        if (s.id !== sessionId) {
          sessionId = s.id;
          known = null;
          fill(list);
          setText(status, 'Checking who is waiting…');
        }
        return root;
      },
      refresh,
    };
  }

  /**
   * liveAgendaView shows a live session's agenda with each item's status,
   * read-only, from its summary: what ran, what runs now, what was skipped,
   * what is still to come.
   *
   * Hooks: #live-agenda li[data-item-id][data-status].
   */
  function liveAgendaView() {
    const list = h('ol', { id: 'live-agenda', class: 'plain agenda-list readonly' });
    const status = h('p', { class: 'muted small', id: 'live-agenda-status' }, 'Loading the agenda…');
    const root = h('section', { class: 'live-agenda', 'aria-labelledby': 'live-agenda-heading' },
      h('h4', { id: 'live-agenda-heading' }, 'The agenda in the room'), list, status);
    let sessionId = '';

    async function refresh(id) {
      if (id !== sessionId) return;
      let data;
      try {
        data = await getWithin(`/api/sessions/${enc(id)}/summary`, FETCH_TIMEOUT_MS);
      } catch (err) {
        if (err.status === 401 || id !== sessionId) return;
        setText(status, `The agenda cannot be loaded right now (${err.message}) Trying again in a moment.`);
        return;
      }
      if (id !== sessionId) return;
      const sum = (data && data.summary) || {};
      const ran = Array.isArray(sum.sections) ? sum.sections : [];
      const rows = [
        ...ran.filter((x) => !x.running).map((x) => ({ id: x.itemId, kind: x.kind, title: x.title, status: 'done' })),
        ...(sum.skipped || []).map((x) => ({ ...x, status: 'skipped' })),
        ...ran.filter((x) => x.running).map((x) => ({ id: x.itemId, kind: x.kind, title: x.title, status: 'running' })),
        ...(sum.pending || []).map((x) => ({ ...x, status: 'pending' })),
      ];
      keepFocus(() => fill(list, ...rows.map((item, i) => h('li', { dataset: { itemId: item.id || '', status: item.status } },
        h('span', { class: 'item-num', 'aria-hidden': 'true' }, item.status === 'done' ? '✓' : String(i + 1)),
        h('div', { class: 'item-main' },
          h('div', { class: 'row-head' }, h('span', { class: 'name' }, itemTitle(item)), statusBadge(item.status)))))));
      setText(status, rows.length ? 'Change it from the room.' : 'No activities yet: add them from the room.');
    }

    return {
      show(s) {
        if (s.id !== sessionId) {
          sessionId = s.id;
          fill(list);
          setText(status, 'Loading the agenda…');
        }
        return root;
      },
      refresh,
    };
  }

  // --- participants
  function participantsPanel() {
    const heading = h('h2', { id: 'participants-heading' }, 'Participants');
    const list = h('ul', { id: 'participants', class: 'plain rows' });
    const empty = h('p', { class: 'muted' }, 'No participants yet.');
    const nameInput = h('input', { type: 'text', id: 'participant-name', name: 'name', required: true, maxlength: 60, autocomplete: 'off' });
    const error = formError('add-participant-error');
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Add participant');
    const form = h('form', { id: 'add-participant-form' },
      h('label', { for: 'participant-name' }, 'Name'),
      h('div', { class: 'inline-form' }, nameInput, submit),
      error);
    const copyAll = h('button', { type: 'button', id: 'copy-all-links' }, 'Copy all links');
    // How long links work (docs/protocol.md, "Invite links"): a new link,
    // or a new one made for someone, counts from when it was made.
    const lifeSelect = h('select', { id: 'invite-days', 'aria-describedby': 'invite-days-hint' });
    const lifeMsg = h('p', { class: 'form-ok', role: 'status', id: 'invite-days-ok' });
    const lifeError = formError('invite-days-error');
    lifeSelect.addEventListener('change', () => {
      const inviteDays = Number(lifeSelect.value);
      setText(lifeMsg, '');
      setText(lifeError, '');
      busy(lifeSelect, async () => {
        try {
          update(await call('PATCH', `/api/cohorts/${enc(cohort.id)}`, { inviteDays }));
          setText(lifeMsg, inviteDays ? `Links now work for ${inviteDays} days after they are made.` : 'Links now never expire.');
        } catch (err) {
          setText(lifeError, `Not saved: ${err.message}`);
          fillLife();
        }
      });
    });
    function fillLife() {
      const days = typeof cohort.inviteDays === 'number' ? cohort.inviteDays : 90;
      const choices = [30, 60, 90, 180, 365, 0];
      if (!choices.includes(days)) choices.unshift(days);
      fill(lifeSelect, ...choices.map((d) => h('option', { value: String(d) }, d ? `${d} days` : 'Never expire')));
      lifeSelect.value = String(days);
    }
    const lifeField = h('div', { class: 'invite-life' },
      h('label', { for: 'invite-days' }, 'Links work for'), ' ', lifeSelect,
      h('p', { class: 'hint', id: 'invite-days-hint' }, 'Counted from when each link was made; "New link" starts it again. Links stop working when the cohort is archived.'),
      lifeMsg, lifeError);
    const copyAllOut = h('div');
    const copyAllMsg = h('p', { class: 'form-ok', role: 'status' });

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      setText(error, '');
      const name = nameInput.value.trim();
      if (!name) {
        setText(error, 'Please write the participant\'s name.');
        nameInput.focus();
        return;
      }
      busy(submit, async () => {
        try {
          const participant = await call('POST', `/api/cohorts/${enc(cohort.id)}/participants`, { name });
          cohort.participants = [...(cohort.participants || []), participant];
          nameInput.value = '';
          render();
          announce(`${participant.name} added. Their invite link is ready to copy.`);
          nameInput.focus();
        } catch (err) {
          setText(error, err.message);
        }
      });
    });

    copyAll.addEventListener('click', async () => {
      const people = cohort.participants || [];
      setText(copyAllMsg, '');
      fill(copyAllOut);
      if (people.length === 0) {
        setText(copyAllMsg, 'There are no participants yet.');
        return;
      }
      const text = people.map((p) => `${p.name}: ${p.inviteUrl}`).join('\n');
      const area = h('textarea', { id: 'all-links-text', readonly: true, rows: Math.min(12, people.length + 1), value: text, 'aria-label': 'All invite links' });
      if (await copyText(text, null)) {
        setText(copyAllMsg, `${people.length === 1 ? 'The link is' : `All ${people.length} links are`} copied. Send each person only their own link.`);
      } else {
        fill(copyAllOut, area);
        area.focus();
        area.select();
        setText(copyAllMsg, `The links are selected below: press ${COPY_KEY} to copy them.`);
      }
    });

    function row(p) {
      const li = h('li', { dataset: { participantId: p.id } });
      const msg = h('p', { class: 'form-ok', role: 'status' });
      const rowError = h('p', { class: 'form-error', role: 'alert' });
      const inputId = `invite-${p.id}`;
      const link = h('input', { type: 'text', class: 'invite-url', id: inputId, readonly: true, value: p.inviteUrl || '', spellcheck: 'false' });
      link.addEventListener('focus', () => link.select());
      const copy = h('button', { type: 'button', dataset: { action: 'copy' } }, 'Copy link',
        h('span', { class: 'visually-hidden' }, ` for ${p.name}`));
      const reissue = h('button', { type: 'button', dataset: { action: 'reissue' } }, 'New link',
        h('span', { class: 'visually-hidden' }, ` for ${p.name}`));
      const remove = h('button', { type: 'button', class: 'danger', dataset: { action: 'remove' } }, 'Remove',
        h('span', { class: 'visually-hidden' }, ` ${p.name}`));
      const renameBtn = h('button', { type: 'button', class: 'link', dataset: { action: 'rename' } }, 'Rename',
        h('span', { class: 'visually-hidden' }, ` ${p.name}`));
      const accepted = p.agreementsAccepted
        ? h('span', { class: 'badge ok' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '✓'), ' Agreements accepted')
        : h('span', { class: 'badge wait' }, 'Agreements not accepted yet');
      if (p.agreementsAccepted && p.acceptedAt) accepted.title = `Accepted ${formatDateTime(p.acceptedAt)}`;
      const head = h('div', { class: 'row-head' },
        h('span', { class: 'name', dataset: { participantName: '' } }, p.name), renameBtn, accepted);
      const headRow = h('div', { class: 'row-top' }, head, remove);

      copy.addEventListener('click', async () => {
        setText(msg, '');
        const ok = await copyText(link.value, link);
        setText(msg, ok ? 'Link copied.' : `The link is selected: press ${COPY_KEY} to copy it.`);
      });

      reissue.addEventListener('click', () => {
        if (!window.confirm(`Make a new link for ${p.name}?\n\nTheir old link stops working at once, also if they are connected with it.`)) return;
        busy(reissue, async () => {
          setText(rowError, '');
          try {
            const fresh = await call('POST', `/api/cohorts/${enc(cohort.id)}/participants/${enc(p.id)}/reissue`);
            replaceParticipant(fresh);
            render();
            const again = list.querySelector(`li[data-participant-id="${CSS.escape(p.id)}"]`);
            if (again) {
              setText(again.querySelector('.form-ok'), `New link ready for ${fresh.name || p.name}. The old one no longer works.`);
              again.querySelector('button[data-action="copy"]').focus();
            }
          } catch (err) {
            setText(rowError, err.message);
          }
        });
      });

      remove.addEventListener('click', async () => {
        const erased = await askRemoveParticipant(p, Boolean(me) && cohort.ownerId === me.id);
        if (erased === null) return;
        busy(remove, async () => {
          setText(rowError, '');
          try {
            await call('DELETE', `/api/cohorts/${enc(cohort.id)}/participants/${enc(p.id)}`, { erase: erased });
            cohort.participants = (cohort.participants || []).filter((x) => x.id !== p.id);
            render();
            announce(erased ? `Everything of ${p.name} was erased.` : `${p.name} was removed.`);
            nameInput.focus();
          } catch (err) {
            setText(rowError, err.message);
          }
        });
      });

      renameBtn.addEventListener('click', () => {
        const input = h('input', { type: 'text', id: `rename-${p.id}`, maxlength: 60, value: p.name, autocomplete: 'off' });
        const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
        const cancel = h('button', { type: 'button' }, 'Cancel');
        const renameForm = h('form', { class: 'inline-form' },
          h('label', { for: input.id, class: 'visually-hidden' }, `New name for ${p.name}`),
          input, save, cancel);
        const stop = () => {
          renameForm.replaceWith(head);
          renameBtn.focus();
        };
        cancel.addEventListener('click', stop);
        input.addEventListener('keydown', (ev) => {
          if (ev.key === 'Escape') stop();
        });
        renameForm.addEventListener('submit', (ev) => {
          ev.preventDefault();
          const name = input.value.trim();
          setText(rowError, '');
          if (!name) {
            setText(rowError, 'The name cannot be empty.');
            return;
          }
          if (name === p.name) {
            stop();
            return;
          }
          busy(save, async () => {
            try {
              const fresh = await call('PATCH', `/api/cohorts/${enc(cohort.id)}/participants/${enc(p.id)}`, { name });
              replaceParticipant({ ...p, ...fresh });
              render();
              const again = list.querySelector(`li[data-participant-id="${CSS.escape(p.id)}"] button[data-action="rename"]`);
              if (again) again.focus();
              announce(`Renamed to ${name}.`);
            } catch (err) {
              setText(rowError, err.message);
            }
          });
        });
        head.replaceWith(renameForm);
        input.focus();
        input.select();
      });

      li.append(headRow,
        h('div', { class: 'link-row' },
          h('label', { for: inputId, class: 'visually-hidden' }, `Invite link for ${p.name}`),
          link, copy, reissue),
        linkLife(p), msg, rowError);
      return li;
    }

    // linkLife says until when p's link works, or why it no longer does.
    function linkLife(p) {
      let text = 'The link never expires.';
      if (cohort.archived) text = 'The cohort is archived: its links do not work.';
      else if (p.inviteExpired) text = `The link expired ${formatDateTime(p.inviteExpiresAt)}. Make a new link to send.`;
      else if (p.inviteExpiresAt) text = `The link works until ${formatDateTime(p.inviteExpiresAt)}.`;
      return h('p', { class: p.inviteExpired ? 'hint link-life expired' : 'hint link-life', dataset: { linkLife: '' } }, text);
    }

    function replaceParticipant(fresh) {
      cohort.participants = (cohort.participants || []).map((x) => (x.id === fresh.id ? { ...x, ...fresh } : x));
    }

    function render() {
      const people = cohort.participants || [];
      setText(heading, people.length ? `Participants (${people.length})` : 'Participants');
      empty.hidden = people.length > 0;
      fill(list, ...people.map(row));
      copyAll.disabled = people.length === 0;
      fillLife();
    }

    return {
      root: h('section', { class: 'panel', 'aria-labelledby': 'participants-heading' },
        heading,
        loopbackWarning(),
        h('p', { class: 'hint' }, 'Each participant has a personal link: no account, nothing to install. Send each link privately; anyone who has it can join as that person.'),
        form, empty, list,
        h('div', { class: 'actions' }, copyAll), copyAllMsg, copyAllOut, lifeField),
      render,
    };
  }

  // --- facilitators
  function facilitatorsPanel() {
    const list = h('ul', { id: 'facilitators', class: 'plain rows' });
    const invitedHeading = h('h3', { id: 'invited-heading' }, 'Invited, not answered yet');
    const invited = h('ul', { id: 'invited', class: 'plain rows', 'aria-labelledby': 'invited-heading' });
    const invitedBox = h('div', { hidden: true }, invitedHeading, invited);
    const panelError = formError('facilitators-error');
    const email = h('input', { type: 'email', id: 'facilitator-email', name: 'email', required: true, autocomplete: 'off' });
    const error = formError('add-facilitator-error');
    const ok = h('p', { id: 'add-facilitator-ok', class: 'form-ok', role: 'status' });
    const submit = h('button', { type: 'submit' }, 'Invite co-facilitator');
    const form = h('form', { id: 'add-facilitator-form' },
      h('label', { for: 'facilitator-email' }, 'Invite a co-facilitator by email'),
      h('p', { class: 'hint', id: 'facilitator-email-hint' }, 'They see the invitation when they next log in to Hearth, and accept or decline it. Once they accept, they have the same controls as you, except adding and removing facilitators.'),
      h('div', { class: 'inline-form' }, email, submit),
      error, ok);
    email.setAttribute('aria-describedby', 'facilitator-email-hint');
    form.addEventListener('input', () => setText(ok, ''));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      setText(error, '');
      setText(ok, '');
      if (!email.value.trim()) {
        email.focus();
        return;
      }
      busy(submit, async () => {
        try {
          const address = email.value.trim();
          const fresh = await call('POST', `/api/cohorts/${enc(cohort.id)}/facilitators`, { email: address });
          email.value = '';
          update(fresh);
          setText(ok, `Invited ${address}. They will see it when they next log in.`);
        } catch (err) {
          setText(error, err.message);
        }
      });
    });

    const owns = () => Boolean(me && cohort.ownerId === me.id);

    function remove(f, button) {
      const leaving = me && f.id === me.id;
      const question = leaving
        ? `Leave "${cohort.name}"? You will no longer see this cohort or enter its rooms.`
        : `Remove ${f.name} from "${cohort.name}"? They will no longer see this cohort or enter its rooms.`;
      if (!window.confirm(question)) return;
      setText(panelError, '');
      busy(button, async () => {
        try {
          const fresh = await call('DELETE', `/api/cohorts/${enc(cohort.id)}/facilitators/${enc(f.id)}`);
          if (leaving) {
            announce(`You left ${cohort.name}.`);
            location.hash = '#/';
            return;
          }
          update(fresh);
          announce(`${f.name} was removed.`);
        } catch (err) {
          setText(panelError, err.message);
        }
      });
    }

    function withdraw(invitation, button) {
      setText(panelError, '');
      busy(button, async () => {
        try {
          update(await call('DELETE', `/api/cohorts/${enc(cohort.id)}/invitations/${enc(invitation.email)}`));
          announce(`The invitation of ${invitation.email} was withdrawn.`);
        } catch (err) {
          setText(panelError, err.message);
        }
      });
    }

    return {
      root: h('section', { class: 'panel', 'aria-labelledby': 'facilitators-heading' },
        h('h2', { id: 'facilitators-heading' }, 'Facilitators'), list, invitedBox, panelError, form),
      render() {
        const mine = owns();
        form.hidden = !mine;
        fill(list, ...(cohort.facilitators || []).map((f) => {
          const isMe = me && f.id === me.id;
          const isOwner = f.id === cohort.ownerId;
          let action = null;
          if (isMe && !isOwner) {
            action = h('button', { type: 'button', class: 'small', dataset: { action: 'leave' } }, 'Leave this cohort');
          } else if (mine && !isOwner) {
            action = h('button', { type: 'button', class: 'small', dataset: { action: 'remove' } },
              'Remove', h('span', { class: 'visually-hidden' }, ` ${f.name}`));
          }
          if (action) action.addEventListener('click', () => remove(f, action));
          return h('li', { dataset: { facilitatorId: f.id } },
            h('span', { class: 'name' }, f.name), ' ',
            h('span', { class: 'muted' }, f.email ? `(${f.email})` : ''),
            isOwner ? [' ', h('span', { class: 'badge' }, 'Owner')] : null,
            isMe ? h('span', { class: 'muted' }, ' — you') : null,
            action ? ' ' : null, action);
        }));
        const pending = cohort.invitations || [];
        invitedBox.hidden = pending.length === 0;
        fill(invited, ...pending.map((invitation) => {
          const button = mine ? h('button', { type: 'button', class: 'small', dataset: { action: 'withdraw' } },
            'Withdraw', h('span', { class: 'visually-hidden' }, ` the invitation of ${invitation.email}`)) : null;
          if (button) button.addEventListener('click', () => withdraw(invitation, button));
          return h('li', { dataset: { invitedEmail: invitation.email } },
            h('span', { class: 'name' }, invitation.email), ' ',
            h('span', { class: 'muted' }, `invited ${formatDateTime(invitation.at)}`),
            button ? ' ' : null, button);
        }));
      },
    };
  }

  // --- care: what holds the people (docs/protocol.md, "Care in the room")
  function carePanel() {
    const closing = h('textarea', { id: 'care-closing', maxlength: CARE_TEXT_MAX, rows: 4 });
    const crisis = h('textarea', { id: 'care-crisis', maxlength: CARE_TEXT_MAX, rows: 4 });
    const admit = h('input', { type: 'checkbox', id: 'care-admit', 'aria-describedby': 'care-admit-hint' });
    const error = formError('care-error');
    const ok = h('p', { id: 'care-ok', class: 'form-ok', role: 'status' });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'care-save' }, 'Save');
    const form = h('form', { id: 'cohort-care-form', novalidate: true },
      field('Closing words', closing, 'Shown on each participant\'s page when a session ends: a support line, what to do after, when you meet again.'),
      field('Support lines for this group', crisis, 'Within reach on every participant\'s page, before, during and after a session: who to call, and when. Hearth\'s own crisis text is shown too.'),
      h('label', { class: 'checkbox', for: 'care-admit' }, admit, 'Let people in one by one (admit on arrival)'),
      h('p', { class: 'hint', id: 'care-admit-hint' }, 'When a room opens, each participant waits until you let them in. You can change it in the room too.'),
      error, ok,
      h('div', { class: 'actions' }, submit));

    function fillForm() {
      closing.value = cohort.closingText || '';
      crisis.value = cohort.crisisText || '';
      admit.checked = Boolean(cohort.admitOnArrival);
    }

    form.addEventListener('input', () => setText(ok, ''));
    form.addEventListener('change', () => setText(ok, ''));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      setText(error, '');
      setText(ok, '');
      const changes = {};
      if (closing.value.trim() !== (cohort.closingText || '').trim()) changes.closingText = closing.value.trim();
      if (crisis.value.trim() !== (cohort.crisisText || '').trim()) changes.crisisText = crisis.value.trim();
      if (admit.checked !== Boolean(cohort.admitOnArrival)) changes.admitOnArrival = admit.checked;
      for (const [input, label] of [[closing, 'The closing words'], [crisis, 'The support lines']]) {
        if ([...input.value.trim()].length > CARE_TEXT_MAX) {
          setText(error, `${label} can be at most ${CARE_TEXT_MAX.toLocaleString()} characters.`);
          input.focus();
          return;
        }
      }
      if (Object.keys(changes).length === 0) {
        setText(ok, 'Nothing to save.');
        return;
      }
      busy(submit, async () => {
        try {
          const fresh = await call('PATCH', `/api/cohorts/${enc(cohort.id)}`, changes);
          update({ ...cohort, ...fresh });
          fillForm();
          setText(ok, 'Saved.');
        } catch (err) {
          setText(error, err.status === 0
            ? 'Not saved: Hearth cannot be reached. Your text is still here; please try again.'
            : `Not saved: ${err.message}`);
        }
      });
    });

    return {
      root: h('section', { class: 'panel', id: 'care-panel', 'aria-labelledby': 'care-heading' },
        h('h2', { id: 'care-heading' }, 'Care for this group'), form),
      fill: fillForm,
    };
  }

  // --- details
  function detailsPanel() {
    const name = h('input', { type: 'text', id: 'details-name', required: true, maxlength: 100, autocomplete: 'off' });
    const descriptionInput = h('textarea', { id: 'details-description', maxlength: 2000, rows: 2 });
    const agreements = h('textarea', { id: 'details-agreements', maxlength: 5000, rows: 8 });
    const video = h('input', { type: 'url', id: 'details-video', maxlength: 500, placeholder: 'https://', autocomplete: 'off' });
    const archived = h('input', { type: 'checkbox', id: 'details-archived' });
    const version = h('span');
    const error = formError('details-error');
    const ok = h('p', { class: 'form-ok', role: 'status' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
    const form = h('form', { id: 'cohort-details-form' },
      field('Name', name),
      field('Description', descriptionInput),
      field('Group agreements', agreements, 'Changing the agreements asks every participant to accept them again.'),
      h('p', { class: 'hint' }, version),
      field('Video-call link', video),
      h('label', { class: 'checkbox', for: 'details-archived' }, archived, 'Archived (moved out of your active cohorts)'),
      error, ok,
      h('div', { class: 'actions' }, submit));

    function fillForm() {
      name.value = cohort.name || '';
      descriptionInput.value = cohort.description || '';
      agreements.value = cohort.agreements || '';
      video.value = cohort.videoUrl || '';
      archived.checked = Boolean(cohort.archived);
      setText(version, cohort.agreementsVersion ? `These are version ${cohort.agreementsVersion} of the agreements.` : '');
    }

    form.addEventListener('input', () => setText(ok, ''));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      setText(error, '');
      setText(ok, '');
      const changes = {};
      if (name.value.trim() !== cohort.name) changes.name = name.value.trim();
      if (descriptionInput.value.trim() !== (cohort.description || '')) changes.description = descriptionInput.value.trim();
      if (agreements.value.trim() !== (cohort.agreements || '').trim()) changes.agreements = agreements.value.trim();
      if (video.value.trim() !== (cohort.videoUrl || '')) changes.videoUrl = video.value.trim();
      if (archived.checked !== Boolean(cohort.archived)) changes.archived = archived.checked;
      if (Object.keys(changes).length === 0) {
        setText(ok, 'Nothing to save.');
        return;
      }
      if (changes.name === '') {
        setText(error, 'The name cannot be empty.');
        name.focus();
        return;
      }
      if ('agreements' in changes && !window.confirm('Every participant will be asked to accept the new agreements before they can join again. Save?')) return;
      busy(submit, async () => {
        try {
          const fresh = await call('PATCH', `/api/cohorts/${enc(cohort.id)}`, changes);
          update({ ...cohort, ...fresh });
          fillForm();
          setText(ok, 'Saved.');
        } catch (err) {
          setText(error, err.message);
        }
      });
    });

    return {
      root: h('section', { class: 'panel', 'aria-labelledby': 'details-heading' },
        h('h2', { id: 'details-heading' }, 'Details and agreements'), form),
      fill: fillForm,
    };
  }
}

// --- the account: password, logins -----------------------------------------------

function showAccount() {
  document.title = 'Your account · Hearth';
  const current = h('input', { type: 'password', id: 'password-current', name: 'current', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', id: 'password-new', name: 'new', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 256 });
  const again = h('input', { type: 'password', id: 'password-again', name: 'again', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 256 });
  const error = formError('password-error');
  const ok = h('p', { id: 'password-ok', class: 'form-ok', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Change password');
  const form = h('form', { id: 'password-form', class: 'panel', 'aria-labelledby': 'password-heading' },
    h('h2', { id: 'password-heading' }, 'Change your password'),
    field('Current password', current),
    field('New password', next, 'At least 10 characters, and not a common one. A few unrelated words are easy to remember and hard to guess.'),
    field('New password again', again),
    error, ok,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('input', () => setText(ok, ''));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    setText(ok, '');
    if (next.value.length < 10) {
      setText(error, 'The new password needs at least 10 characters.');
      next.focus();
      return;
    }
    if (next.value !== again.value) {
      setText(error, 'The two new passwords are not the same.');
      again.focus();
      return;
    }
    busy(submit, async () => {
      try {
        await call('POST', '/api/me/password', { current: current.value, new: next.value });
        for (const input of [current, next, again]) input.value = '';
        setText(ok, 'Your password is changed. Every other browser where you were logged in is logged out.');
      } catch (err) {
        setText(error, err.status === 429 ? 'Too many attempts. Please wait a little and try again.' : err.message);
        (/current/i.test(err.message) ? current : next).focus();
      }
    });
  });

  const everywhereError = formError('logout-all-error');
  const everywhere = h('button', { type: 'button', id: 'logout-all' }, 'Log out everywhere');
  everywhere.addEventListener('click', () => {
    if (!window.confirm('Log out on every device and browser, this one too? Open rooms stay open for everyone else.')) return;
    setText(everywhereError, '');
    busy(everywhere, async () => {
      try {
        await call('POST', '/api/logout-all');
      } catch (err) {
        setText(everywhereError, err.message);
        return;
      }
      me = null;
      setMe(null);
      endView();
      history.replaceState(null, '', '/');
      showLogin('You are logged out everywhere.');
      announce('You are logged out everywhere.');
    });
  });

  mount(
    h('p', null, h('a', { href: '#/' }, '← All cohorts')),
    h('h1', null, 'Your account'),
    h('p', { class: 'muted' }, me ? `${me.name} · ${me.email}` : ''),
    h('div', { class: 'columns' },
      h('div', null, form),
      h('section', { class: 'panel', 'aria-labelledby': 'logins-heading' },
        h('h2', { id: 'logins-heading' }, 'Where you are logged in'),
        h('p', null, 'A login ends after a while unused (never while you are in a live room), and after 14 days in any case.'),
        h('p', { class: 'hint', id: 'logout-all-hint' }, 'If you logged in on a shared or lost device, end every login at once. You will need to log in again here too.'),
        everywhereError,
        h('div', { class: 'actions' }, everywhere))),
    accountPanel({
      done: () => {
        me = null;
        setMe(null);
        endView();
        history.replaceState(null, '', '/');
        showSignedOut('Your account was deleted.');
      },
    }));
  everywhere.setAttribute('aria-describedby', 'logout-all-hint');
}

// --- the cohort's audit: who read, exported, removed, logged in ------------------

// AUDIT_ACTIONS says each action of the audit in words, {} standing for
// whom or what it was about; an action this page does not know yet is
// shown as it comes.
const AUDIT_ACTIONS = {
  'summary.viewed': 'read the summary of {}',
  'overview.viewed': 'read the overview',
  exported: 'exported the cohort {}',
  'participant.removed': 'removed {} from the cohort',
  'participant.erased': 'erased the words of {}',
  'invite.reissued': 'made a new invite link for {}',
  'invite.revoked': 'revoked the invite link of {}',
  'room.removed': 'asked {} to step out of the session',
  'cofacilitator.invited': 'invited {} to co-facilitate',
  'invitation.withdrawn': 'withdrew the invitation of {}',
  'cofacilitator.joined': 'joined as co-facilitator',
  'cofacilitator.declined': 'declined to co-facilitate',
  'cofacilitator.removed': 'removed {} as co-facilitator',
  'cofacilitator.left': 'left the cohort',
  'cohort.deleted': 'deleted the cohort {}',
  'session.deleted': 'deleted the session {}',
  'account.deleted': 'deleted the account of {}',
  login: 'logged in',
  'login.failed': 'failed to log in',
};
const AUDIT_PAGE = 50;

// showAudit is a cohort's audit, newest first, a page at a time: one entry
// per list item, its words stacked, so it reads on a phone. The audit holds
// IDs only; the names shown are the roster's and the sessions' now.
async function showAudit(id, serial) {
  mountLoading();
  let cohort;
  let page;
  try {
    [cohort, page] = await Promise.all([
      call('GET', `/api/cohorts/${enc(id)}`),
      call('GET', `/api/cohorts/${enc(id)}/audit?limit=${AUDIT_PAGE}`),
    ]);
  } catch (err) {
    if (serial === viewSerial) mountLoadError(err);
    return;
  }
  if (serial !== viewSerial) return;
  document.title = `Who did what · ${cohort.name} · Hearth`;
  const people = new Map(cohort.participants.map((p) => [p.id, p.name]));
  const facilitators = new Map(cohort.facilitators.map((f) => [f.id, f.name]));
  const sessions = new Map(cohort.sessions.map((ss) => [ss.id, ss.title]));

  const list = h('ol', { id: 'audit', class: 'plain rows audit-list', 'aria-labelledby': 'audit-heading' });
  const empty = h('p', { id: 'audit-empty', class: 'muted', hidden: true }, 'Nothing recorded yet.');
  const error = formError('audit-error');
  const more = h('button', { type: 'button', id: 'audit-more' }, 'Show older');
  let next = '';

  const sessionName = (sid) => `“${sessions.get(sid) || 'a session no longer planned'}”`;

  // about names whom or what an entry was about, from what the page knows
  // now: the audit keeps IDs, not names.
  function about(entry) {
    switch (entry.action) {
      case 'summary.viewed':
      case 'session.deleted':
        return sessionName(entry.sessionId);
      case 'exported':
        return entry.target === 'markdown' ? 'as Markdown' : `as ${String(entry.target).toUpperCase()}`;
      case 'cofacilitator.invited':
      case 'invitation.withdrawn':
        return entry.target;
      case 'cofacilitator.removed':
      case 'account.deleted':
        return facilitators.get(entry.target) || 'a former facilitator';
      case 'cohort.deleted':
        return `“${entry.cohortName || cohort.name}”`;
      default:
        return people.get(entry.target) || 'a participant no longer on the roster';
    }
  }

  function row(entry) {
    const who = (entry.actorId && facilitators.get(entry.actorId)) || entry.actor;
    const words = AUDIT_ACTIONS[entry.action];
    // A function, so a name holding "$&" is not read as a pattern.
    let what = words ? words.replace('{}', () => about(entry)) : entry.action;
    if (entry.action === 'room.removed' && entry.sessionId) what += ` ${sessionName(entry.sessionId)}`;
    return h('li', { class: 'audit-entry', dataset: { action: entry.action } },
      h('p', { class: 'audit-what' }, h('strong', null, who), ' ', what),
      h('p', { class: 'muted audit-when' },
        h('time', { datetime: entry.at }, formatDateTime(entry.at)),
        entry.addr ? ` · from ${entry.addr}` : ''));
  }

  function show(p) {
    for (const entry of p.entries) list.append(row(entry));
    next = p.next;
    more.hidden = !next;
    empty.hidden = list.children.length > 0;
  }

  more.addEventListener('click', () => {
    setText(error, '');
    busy(more, async () => {
      const first = list.children.length;
      try {
        show(await call('GET', `/api/cohorts/${enc(id)}/audit?limit=${AUDIT_PAGE}&before=${enc(next)}`));
      } catch (err) {
        setText(error, err.message);
        return;
      }
      const added = list.children[first];
      if (added) {
        // Keyboard and screen-reader users go on reading where the new
        // entries begin, not back at the button.
        added.tabIndex = -1;
        added.focus();
      }
    });
  });

  mount(
    h('p', null, h('a', { href: `#/cohort/${enc(id)}` }, `← ${cohort.name}`)),
    h('h1', { id: 'audit-heading' }, 'Who did what'),
    h('p', { class: 'muted' }, 'Who read a summary or the overview, exported, removed someone, changed the co-facilitators or changed a link, newest first. It keeps no one\'s words, and stays when the cohort is deleted.'),
    h('section', { class: 'panel' }, list, empty, error, h('div', { class: 'actions' }, more)));
  show(page);
}

// --- the cohort's memory: summaries, the overview (memory.js) ----------------------

async function showMemory(load, serial) {
  mountLoading();
  let page;
  try {
    page = await load();
  } catch (err) {
    if (serial !== viewSerial) return;
    if (err.code === 'not_opened') {
      mountMessage('No summary yet', err.message, h('p', null, h('a', { href: '#/' }, 'Back to your cohorts')));
      return;
    }
    mountLoadError(err);
    return;
  }
  if (serial !== viewSerial) return;
  document.title = `${page.title} · Hearth`;
  mount(...page.nodes);
}

// --- the live room ----------------------------------------------------------------

function showRoom(sessionId) {
  const cohortId = sessionCohort(sessionId);
  const view = roomView({
    sessionId,
    backHref: cohortId ? `#/cohort/${enc(cohortId)}` : '#/',
    backLabel: cohortId ? 'Back to the cohort' : 'Back to your cohorts',
    onLoginLost: loginLost,
  });
  mount(...view.nodes);
  cleanup = view.close;
  view.start();
}

$('#logout').addEventListener('click', logout);
pruneAgendaDrafts();
boot();
