// join.js — the participant's page at /j#{token}: agreements, waiting, the room,
// the end of a session.
//
// The invite token lives in the fragment, which no request carries: the
// page sends it in a header to the API and as a WebSocket subprotocol
// (docs/protocol.md, "Invite links"). Nothing on the device is kept under
// it: drafts and the outbox are the participant's ID's.
//
// Phone first, one thing at a time. The current activity's face comes from
// its kind's module (activities/); what the participant writes there is
// kept on this device (outbox-form.js) and each form is built once per
// activity, so nothing they write is lost or reset by incoming events,
// reconnects or reloads. The support bar, the thread with the facilitators
// and the hold screen are join-care.js's.

import { api, inviteHeaders } from './api.js';
import { connect } from './live.js';
import {
  $, h, setText, announce, safeUrl, formatDateTime, presenceLabel, fill,
} from './dom.js';
import { itemTitle, kindLabel } from './agenda.js';
import { activity as activityKind } from './activities/index.js';
import { DRAFT_PREFIX, pruneDrafts } from './outbox-form.js';
import { journeyList } from './journey.js';
import { careLayer, crisisNodes } from './join-care.js';

const LINK_INVALID = 'This link is no longer valid. Please ask your facilitator for a new one.';
const SESSION_ENDED = 'The session has ended. Thank you for being here.';
const SUPPORT_CLOSED = 'The room is not open, so a signal cannot reach your facilitators from here. If you need someone now, the support lines are there for you.';
const CLOSING_FALLBACK = 'Take good care of yourself until we meet again.';
const REMOVED_WAITING = 'You were asked to step out of this session. Your facilitator can let you back in.';
const REMOVED_BYE = 'Your facilitator has asked you to step out of this session. You are welcome at the next one.';
const LOCKED_BYE = 'The group has closed its door for this session. Your facilitator can see you tried; you are welcome next time.';

// readLink returns the invite token: from the fragment (#TOKEN, or
// #TOKEN/journey while the journey shows), or from the path of a link sent
// before tokens left paths (/j/TOKEN), which it moves into the fragment
// before anything else, so the address bar and the history keep no path
// that holds it.
function readLink() {
  const old = location.pathname.match(/^\/j\/([^/]+)\/?$/);
  if (old) {
    const moved = decoded(old[1]);
    history.replaceState(null, '', `/j#${moved}${location.hash === '#journey' ? '/journey' : ''}`);
    return moved;
  }
  return hashToken();
}

function hashToken() {
  return decoded(location.hash.slice(1)).split('/')[0];
}

function decoded(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

const token = readLink();
const AUTH = inviteHeaders(token);
const JOURNEY_HASH = `#${token}/journey`;
const journeyAsked = () => location.hash === JOURNEY_HASH;
const SECTIONS = ['loading', 'agreements', 'waiting', 'room', 'final-message'];

let info = null; // GET /api/p
// linkEnded is what the server said when it refused the link (expired, the
// group ended, revoked), for the page to say it.
let linkEnded = LINK_INVALID;
let live = null;
let shown = 'loading';
let activityView = null; // {key, root, update}
let journeyOpen = false; // "Your journey" is shown over whatever section is current
// ended is set while the end page shows the end of a session: a connection
// kept open beneath it waits for the next room and only a room that opens
// takes the page away from it.
let ended = false;
let listenTimer = 0;
let listenAttempt = 0;

const care = careLayer({ info: () => info });

const PLACES = {
  room: 'room', waiting: 'waiting', agreements: 'waiting', 'final-message': 'end', loading: 'none',
};

function show(id) {
  shown = id;
  for (const s of SECTIONS) $(`#${s}`).hidden = journeyOpen || s !== id;
  $('#journey').hidden = !journeyOpen;
  $('#journey-room').hidden = !(journeyOpen && id === 'room');
  document.body.dataset.screen = id;
  care.place(PLACES[id] || 'none', id === 'room' ? live : null);
}

function sleep(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

// --- start: the link, the agreements ---------------------------------------

async function loadInfo() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api('GET', '/api/p', undefined, AUTH);
    } catch (err) {
      if (err.status === 401 || err.status === 404) {
        if (err.status === 401 && err.message) linkEnded = err.message;
        return null;
      }
      setText($('#loading-text'), err.status === 429
        ? 'Many people are knocking at once. Trying again in a moment…'
        : 'Hearth cannot be reached right now. Trying again…');
      await sleep(Math.random() * Math.min(15000, 1000 * 2 ** attempt) + 500);
    }
  }
}

async function start(note) {
  if (!token) {
    showFinal('This link is not complete', LINK_INVALID);
    return;
  }
  info = await loadInfo();
  if (!info) {
    showFinal('This link has ended', linkEnded);
    return;
  }
  moveStorage(info.participant.id);
  if (info.cohort && info.cohort.name) document.title = `${info.cohort.name} · Hearth`;
  if (!info.agreementsAccepted) showAgreements(note);
  else startLive();
}

function showAgreements(note) {
  setText($('#agreements-cohort'), info.cohort.name || '');
  // Text, not HTML; CSS keeps the line breaks (white-space: pre-wrap).
  setText($('#agreements-text'), info.cohort.agreements || '');
  const noteEl = $('#agreements-note');
  setText(noteEl, note || '');
  noteEl.hidden = !note;
  setText($('#agreements-error'), '');
  show('agreements');
  if (note) $('#agreements-heading').focus();
}

async function acceptAgreements() {
  const button = $('#accept-agreements');
  const errorEl = $('#agreements-error');
  setText(errorEl, '');
  button.disabled = true;
  try {
    const fresh = await api('POST', '/api/p/accept', { version: info.cohort.agreementsVersion }, AUTH);
    if (fresh && fresh.cohort) info = fresh;
    startLive();
    window.setTimeout(() => $('#main').focus(), 0);
  } catch (err) {
    if (err.status === 409) {
      await start('The agreements were just updated. Please read them again.');
    } else if (err.status === 401) {
      showFinal('This link has ended', err.message || LINK_INVALID);
    } else {
      setText(errorEl, err.message);
    }
  } finally {
    button.disabled = false;
  }
}

// --- the live room ------------------------------------------------------------

// startLive opens the live connection. quiet keeps the page as it is
// (the end page) until the server says the room is open.
function startLive(quiet = false) {
  if (journeyAsked()) window.setTimeout(openJourney, 0);
  window.clearTimeout(listenTimer);
  listenTimer = 0;
  if (live) live.close();
  if (activityView && activityView.destroy) activityView.destroy();
  activityView = null;
  if (!quiet) {
    ended = false;
    setText($('#loading-text'), 'Opening the room…');
    show('loading');
  }
  live = connect('/ws/p', {
    protocols: ['hearth', `hearth.invite.${token}`],
    outboxKey: `p.${info.participant.id}`,
    statusEl: $('#connection-status'),
    reconnectingText: 'Reconnecting… anything you write here is kept.',
    probe: probeLink,
  });
  live.subscribe(render);
}

// probeLink tells a refused connection (revoked link, agreements changed)
// from a network problem, which a browser's WebSocket cannot.
async function probeLink() {
  try {
    const fresh = await api('GET', '/api/p', undefined, AUTH);
    info = fresh;
    if (!fresh.agreementsAccepted) return { reason: 'agreements', message: '' };
    return null;
  } catch (err) {
    if (err.status === 401) return { reason: 'revoked', message: err.message || LINK_INVALID };
    return null;
  }
}

function render(state, note) {
  if (note && note.kind === 'stopped') {
    if (note.reason.reason === 'agreements') {
      showAgreements('The group agreements have changed. Please read them again.');
    } else {
      showFinal('This link has ended', note.reason.message || LINK_INVALID);
    }
    return;
  }
  if (state.bye) {
    const { reason, message } = state.bye;
    if (reason === 'revoked') showFinal('This link has ended', LINK_INVALID);
    else if (reason === 'closed') showEnd();
    else if (reason === 'removed') showFinal('You have stepped out of this session', message || REMOVED_BYE, { comeBack: true });
    else if (reason === 'locked') showFinal('The door is closed for this session', message || LOCKED_BYE);
    else showFinal('The session has ended', message || SESSION_ENDED, { journey: true });
    return;
  }
  if (state.waiting) {
    // The end page stays until the next room opens: it says more than
    // the waiting page would (the closing words, the support lines).
    if (ended) {
      listenAttempt = 0;
      return;
    }
    renderWaiting(state.waiting);
    return;
  }
  if (state.room) renderRoom(state, note);
}

function renderWaiting(waiting) {
  const name = info && info.participant ? info.participant.name : '';
  setText($('#waiting-cohort'), waiting.cohort || (info && info.cohort.name) || '');
  setText($('#waiting-heading'), name ? `Welcome, ${name}` : 'Welcome');
  let text = 'Your facilitator will open the room soon. This page will change by itself.';
  if (waiting.removed) text = REMOVED_WAITING;
  else if (waiting.admission) text = 'Your facilitator will let you in shortly. This page will change by itself.';
  setText($('#waiting-text'), text);
  $('#waiting').dataset.door = waiting.removed ? 'removed' : waiting.admission ? 'admission' : '';
  // At the door the room is open, but a signal cannot reach it from here.
  setText($('#support-closed'), waiting.admission || waiting.removed
    ? 'You are not in the room yet, so a signal cannot reach your facilitators from here; they can see that you are waiting. If you need someone now, the support lines are there for you.'
    : SUPPORT_CLOSED);
  const next = (waiting.nextSession && waiting.nextSession.title) ? waiting.nextSession : (info && info.nextSession);
  const when = next && next.startsAt ? formatDateTime(next.startsAt) : '';
  setText($('#waiting-next'), next && next.title && !waiting.admission && !waiting.removed
    ? `Next session: ${next.title}${when ? ` — ${when}` : ''}` : '');
  videoLink($('#waiting-video'), safeUrl(waiting.videoUrl || (info && info.cohort.videoUrl) || ''));
  if (shown !== 'waiting') {
    const wasRoom = shown === 'room';
    show('waiting');
    if (wasRoom) announce('The room is not open at the moment.');
    else if (waiting.admission || waiting.removed) announce(text);
  } else {
    care.update(live.state);
  }
}

function renderRoom(state, note) {
  const room = state.room;
  if (room.status === 'closed') {
    showEnd();
    return;
  }
  ended = false;
  setText($('#room-cohort'), room.cohort || (info && info.cohort.name) || '');
  setText($('#room-heading'), room.title || 'Your group');
  renderVideo(safeUrl(room.videoUrl || (info && info.cohort.videoUrl) || ''));
  renderMembers(room.members, state.you);
  renderAgenda(room);
  renderActivity(state, note);
  if (shown !== 'room') {
    const was = shown;
    show('room');
    if (was === 'waiting') announce('The room is open.');
    else if (was === 'final-message') announce('The next session’s room is open.');
  }
  care.update(state);
}

function renderVideo(url) {
  videoLink($('#room-video'), url);
}

function videoLink(el, url) {
  if (el.dataset.url === url) return;
  el.dataset.url = url;
  fill(el);
  el.hidden = !url;
  if (url) {
    el.append(h('a', { class: 'button', href: url, target: '_blank', rel: 'noopener noreferrer' },
      'Open the video call', h('span', { class: 'visually-hidden' }, ' (opens in a new tab)')));
  }
}

function renderMembers(members, you) {
  const sorted = [...(members || [])].sort((a, b) => roleOrder(a) - roleOrder(b));
  fill($('#members'), ...sorted.map((m) => h('li', { dataset: { memberId: m.id, presence: m.presence || '' } },
    h('span', { class: 'name' }, m.name || ''),
    you && m.id === you.id ? h('span', { class: 'role' }, '(you)') : null,
    m.role === 'facilitator' ? h('span', { class: 'role' }, 'facilitator') : null,
    h('span', { class: 'end' }, presenceLabel(m.presence)))));
}

function roleOrder(member) {
  return member.role === 'facilitator' ? 0 : 1;
}

// --- where the group is in the agenda ---------------------------------------------

// renderAgenda shows a small "Step 2 of 5 · Grounding pause" line and, folded
// away, the titles of the day's plan. Skipped steps are not counted.
function renderAgenda(room) {
  const items = Array.isArray(room.agenda) ? room.agenda : [];
  const progress = $('#agenda-progress');
  const plan = $('#agenda-plan');
  const steps = items.filter((x) => x.status !== 'skipped');
  if (steps.length === 0) {
    progress.hidden = true;
    plan.hidden = true;
    return;
  }
  const running = room.activity && room.activity.itemId
    ? items.find((x) => x.id === room.activity.itemId) : items.find((x) => x.status === 'running');
  const done = steps.filter((x) => x.status === 'done').length;
  let text;
  if (running) {
    const at = steps.indexOf(running);
    text = at >= 0 ? `Step ${at + 1} of ${steps.length} · ${itemTitle(running)}` : itemTitle(running);
  } else if (done === 0) {
    text = steps.length === 1 ? 'Today: 1 step' : `Today: ${steps.length} steps`;
  } else {
    text = `${done} of ${steps.length} steps done`;
  }
  setText(progress, text);
  progress.hidden = false;
  progress.dataset.running = running ? 'true' : 'false';

  const key = JSON.stringify(items.map((x) => [x.id, x.status, itemTitle(x)]));
  if (plan.dataset.key !== key) {
    plan.dataset.key = key;
    fill($('#agenda-plan-list'), ...items.map((x) => {
      const status = x.status || 'pending';
      const mark = { done: '✓', running: '●', skipped: '–', pending: '○' }[status] || '○';
      const words = { done: 'done', running: 'now', skipped: 'skipped', pending: '' }[status] || '';
      return h('li', { dataset: { itemId: x.id, status }, 'aria-current': status === 'running' ? 'step' : null },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, mark), ' ',
        h('span', { class: 'title' }, itemTitle(x)),
        words ? h('span', { class: 'muted small' }, ` (${words})`) : null);
    }));
  }
  plan.hidden = false;
}

function renderActivity(state, note) {
  const activity = state.room.activity;
  const key = activity ? `${activity.kind}:${activity.id}` : 'gathering';
  if (!activityView || activityView.key !== key) {
    const first = activityView == null;
    if (activityView && activityView.destroy) activityView.destroy();
    const kind = activity && activityKind(activity.kind);
    if (!activity) activityView = gatheringView();
    else if (kind) activityView = kind.participant(activity, { live, draftKey: (name) => `${DRAFT_PREFIX}${info.participant.id}.${name}` });
    else activityView = otherView(activity);
    activityView.key = key;
    fill($('#activity'), activityView.root);
    // A new step starts at its top, also for someone who had scrolled down
    // to the end of the last one (a phone, after sharing a check-in).
    if (!first && shown === 'room' && $('#activity').getBoundingClientRect().top < 0) {
      $('#room .agenda-where').scrollIntoView({ block: 'start' });
    }
    if (!first) {
      if (!activity) announce('Back to gathering.');
      else if (kind) announce(kind.startedText(activity));
    }
  }
  activityView.update(state, note);
}

function gatheringView() {
  return {
    root: h('section', { class: 'panel', 'aria-labelledby': 'gathering-heading' },
      h('h2', { id: 'gathering-heading' }, 'Gathering — the facilitator will begin soon.'),
      h('p', { class: 'muted' }, 'Take a moment to arrive. There is nothing you need to do yet.')),
    update() {},
  };
}

function otherView(activity) {
  return {
    root: h('section', { class: 'panel' },
      h('h2', null, 'Your facilitator is guiding the group'),
      h('p', { class: 'muted' }, `Current step: ${kindLabel(activity.kind)}`)),
    update() {},
  };
}

// --- your journey -------------------------------------------------------------

// The journey is a view over the page, not a place in it: the live room
// keeps running beneath, and "Back" returns to whatever is current.
async function openJourney() {
  if (!info || !info.agreementsAccepted) return;
  const wasOpen = journeyOpen;
  journeyOpen = true;
  show(shown);
  setText($('#journey-cohort'), (info.cohort && info.cohort.name) || '');
  if (!wasOpen) $('#journey-heading').focus();
  const content = $('#journey-content');
  fill(content, h('p', { class: 'muted', role: 'status' }, 'Gathering your sessions…'));
  try {
    const history = await api('GET', '/api/p/history', undefined, AUTH);
    if (!journeyOpen) return;
    fill(content, journeyList(history),
      h('p', { class: 'actions' }, journeyDownload(history)));
  } catch (err) {
    if (err.status === 409) {
      closeJourney();
      showAgreements('The group agreements have changed. Please read them again.');
      return;
    }
    if (err.status === 401) {
      closeJourney();
      showFinal('This link has ended', err.message || LINK_INVALID);
      return;
    }
    fill(content, h('p', { class: 'form-error', role: 'alert' }, err.message),
      h('button', { type: 'button', onclick: openJourney }, 'Try again'));
  }
}

function closeJourney() {
  if (!journeyOpen) return;
  journeyOpen = false;
  if (journeyAsked()) history.replaceState(null, '', `${location.pathname}${location.search}#${token}`);
  show(shown);
  const heading = $(`#${shown} h1`);
  if (heading) heading.focus();
}

window.addEventListener('hashchange', () => {
  // Another link pasted into this tab is another person's page.
  if (hashToken() !== token) {
    window.location.reload();
    return;
  }
  if (journeyAsked()) openJourney();
  else closeJourney();
});
for (const a of [$('#waiting-journey'), $('#final-journey')]) a.setAttribute('href', JOURNEY_HASH);
$('#journey-back').addEventListener('click', closeJourney);
$('#journey-to-room').addEventListener('click', closeJourney);

// --- the end ----------------------------------------------------------------

/**
 * showFinal ends the live connection and shows a last page: a title and its
 * words. opts.journey offers the journey, opts.comeBack a button that asks
 * to come back in (a new connection, which waits at the door), opts.end the
 * aftercare of a session that ended.
 */
function showFinal(title, text, opts = {}) {
  if (live) {
    live.close();
    live = null;
  }
  window.clearTimeout(listenTimer);
  listenTimer = 0;
  ended = Boolean(opts.end);
  if (activityView && activityView.destroy) activityView.destroy();
  activityView = null;
  const status = $('#connection-status');
  status.textContent = '';
  status.dataset.state = 'stopped';
  setText($('#final-heading'), title);
  setText($('#final-text'), text);
  $('#final-journey-line').hidden = !((opts.journey || opts.end) && info && info.agreementsAccepted);
  $('#final-again').hidden = !opts.comeBack;
  $('#final-message').dataset.end = opts.end ? 'closed' : '';
  paintAftercare(Boolean(opts.end));
  const was = shown;
  show('final-message');
  if (was !== 'final-message') announce(text);
}

// showEnd is the end of a session: the group's closing words, when the
// next session is, and where support is between sessions. The page then
// listens quietly for the next room, and turns into it when it opens.
function showEnd() {
  if (ended && shown === 'final-message') {
    listenLater();
    return;
  }
  showFinal('The session has ended', 'Thank you for being here today.', { end: true });
  // What the group set up for after the session may have changed during it.
  api('GET', '/api/p', undefined, AUTH).then((fresh) => {
    if (fresh) info = fresh;
    if (ended) paintAftercare(true);
  }, () => {});
  listenLater();
}

function listenLater() {
  window.clearTimeout(listenTimer);
  const delay = 1000 + Math.random() * Math.min(60000, 2000 * 2 ** listenAttempt);
  listenAttempt += 1;
  listenTimer = window.setTimeout(() => {
    listenTimer = 0;
    if (ended && shown === 'final-message') startLive(true);
  }, delay);
}

function paintAftercare(on) {
  const closing = $('#final-closing');
  const closingText = info && typeof info.closing === 'string' ? info.closing.trim() : '';
  setText(closing, on ? (closingText || CLOSING_FALLBACK) : '');
  closing.hidden = !on;
  const next = on && info ? info.nextSession : null;
  $('#final-next').hidden = !(next && next.startsAt);
  if (next && next.startsAt) {
    const when = formatDateTime(next.startsAt);
    setText($('#final-next-when'), next.title ? `${next.title}: ${when}` : when);
    offerCalendar(next);
  }
  $('#final-support').hidden = !info;
  fill($('#final-crisis'), crisisNodes(info, 'final-crisis'));
}

// journeyDownload offers the journey the page already has as a file to keep
// (what GET /api/p/history.json answers), from memory: a link to the API
// would need the token in its URL.
function journeyDownload(history) {
  const day = new Date().toISOString().slice(0, 10);
  const cohort = String(history.cohort || 'hearth').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return h('a', {
    class: 'button', id: 'journey-download', download: `hearth-${cohort || 'group'}-my-journey-${day}.json`,
    href: `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(history, null, 2))}`,
  }, 'Download my journey');
}

// offerCalendar makes "Add to calendar" save the next session's event. The
// file is fetched with the invite header and offered as a data: link: a
// link to the API would need the token in its URL.
let calendarFor = '';
async function offerCalendar(next) {
  const link = $('#final-calendar');
  const key = `${next.title}|${next.startsAt}`;
  if (calendarFor === key) return;
  calendarFor = key;
  link.removeAttribute('href');
  try {
    const ics = await api('GET', '/api/p/next.ics', undefined, AUTH, { text: true });
    if (calendarFor === key) link.setAttribute('href', `data:text/calendar;charset=utf-8,${encodeURIComponent(ics)}`);
  } catch {
    calendarFor = '';
  }
}

// moveStorage moves what a page of an earlier version kept on this device
// under the token (drafts, the outbox of unsent actions) to the
// participant's ID, so nothing written is lost and no key holds the token.
function moveStorage(id) {
  try {
    const ls = window.localStorage;
    const moves = [];
    for (let i = 0; i < ls.length; i += 1) {
      const key = ls.key(i);
      if (key && key.startsWith(`${DRAFT_PREFIX}${token}.`)) {
        moves.push([key, `${DRAFT_PREFIX}${id}.${key.slice(DRAFT_PREFIX.length + token.length + 1)}`]);
      } else if (key === `hearth.outbox.p.${token}`) {
        moves.push([key, `hearth.outbox.p.${id}`]);
      }
    }
    for (const [from, to] of moves) {
      if (ls.getItem(to) === null) ls.setItem(to, ls.getItem(from));
      ls.removeItem(from);
    }
  } catch {
    // storage unavailable: nothing was kept there
  }
}

$('#final-come-back').addEventListener('click', () => {
  $('#final-again').hidden = true;
  startLive();
});
$('#accept-agreements').addEventListener('click', acceptAgreements);
pruneDrafts();
start();

