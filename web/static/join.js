// join.js — the participant's page at /j/{token}: agreements, waiting, the room.
//
// Phone first, one thing at a time. Whatever the participant types into a
// check-in is kept in localStorage (per token and activity) and the form is
// built once per activity, so nothing they write is lost or reset by
// incoming events, reconnects or reloads.

import { api, enc } from './api.js';
import { connect } from './live.js';
import {
  $, h, setText, announce, safeUrl, formatDateTime, STATES, presenceLabel,
  aggregateView, storage, fill,
} from './dom.js';
import { itemTitle, kindLabel, groundingDisplay, wordCloud, reducedMotion } from './agenda.js';
import { participantView as intentionsView } from './intentions.js';
import { participantCircleView } from './circle.js';
import { journeyList } from './journey.js';

const LINK_INVALID = 'This link is no longer valid. Please ask your facilitator for a new one.';
const SESSION_ENDED = 'The session has ended. Thank you for being here.';
const DRAFT_PREFIX = 'hearth.draft.';
const DRAFT_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const SECTIONS = ['loading', 'agreements', 'waiting', 'room', 'final-message'];

let info = null; // GET /api/p/{token}
let live = null;
let shown = 'loading';
let activityView = null; // {key, root, update}
let journeyOpen = false; // "Your journey" is shown over whatever section is current

function show(id) {
  shown = id;
  for (const s of SECTIONS) $(`#${s}`).hidden = journeyOpen || s !== id;
  $('#journey').hidden = !journeyOpen;
  $('#journey-room').hidden = !(journeyOpen && id === 'room');
}

function sleep(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

// --- start: the link, the agreements ---------------------------------------

async function loadInfo() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api('GET', `/api/p/${enc(token)}`);
    } catch (err) {
      if (err.status === 401 || err.status === 404) return null;
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
    showFinal('This link has ended', LINK_INVALID);
    return;
  }
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
    const fresh = await api('POST', `/api/p/${enc(token)}/accept`, { version: info.cohort.agreementsVersion });
    if (fresh && fresh.cohort) info = fresh;
    startLive();
    window.setTimeout(() => $('#main').focus(), 0);
  } catch (err) {
    if (err.status === 409) {
      await start('The agreements were just updated. Please read them again.');
    } else if (err.status === 401) {
      showFinal('This link has ended', LINK_INVALID);
    } else {
      setText(errorEl, err.message);
    }
  } finally {
    button.disabled = false;
  }
}

// --- the live room ------------------------------------------------------------

function startLive() {
  if (location.hash === '#journey') window.setTimeout(openJourney, 0);
  if (live) live.close();
  if (activityView && activityView.destroy) activityView.destroy();
  activityView = null;
  setText($('#loading-text'), 'Opening the room…');
  show('loading');
  live = connect(`/ws/p/${enc(token)}`, {
    outboxKey: `p.${token}`,
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
    const fresh = await api('GET', `/api/p/${enc(token)}`);
    info = fresh;
    if (!fresh.agreementsAccepted) return { reason: 'agreements', message: '' };
    return null;
  } catch (err) {
    if (err.status === 401) return { reason: 'revoked', message: LINK_INVALID };
    return null;
  }
}

function render(state, note) {
  if (note && note.kind === 'stopped') {
    if (note.reason.reason === 'agreements') {
      showAgreements('The group agreements have changed. Please read them again.');
    } else {
      showFinal('This link has ended', LINK_INVALID);
    }
    return;
  }
  if (state.bye) {
    if (state.bye.reason === 'revoked') showFinal('This link has ended', LINK_INVALID);
    else if (state.bye.reason === 'closed') showFinal('Thank you', SESSION_ENDED, true);
    else showFinal('Thank you', state.bye.message || SESSION_ENDED, true);
    return;
  }
  if (state.waiting) {
    renderWaiting(state.waiting);
    return;
  }
  if (state.room) renderRoom(state, note);
}

function renderWaiting(waiting) {
  const name = info && info.participant ? info.participant.name : '';
  setText($('#waiting-cohort'), waiting.cohort || (info && info.cohort.name) || '');
  setText($('#waiting-heading'), name ? `Welcome, ${name}` : 'Welcome');
  const next = (waiting.nextSession && waiting.nextSession.title) ? waiting.nextSession : (info && info.nextSession);
  const when = next && next.startsAt ? formatDateTime(next.startsAt) : '';
  setText($('#waiting-next'), next && next.title ? `Next session: ${next.title}${when ? ` — ${when}` : ''}` : '');
  if (shown !== 'waiting') {
    const wasRoom = shown === 'room';
    show('waiting');
    if (wasRoom) announce('The room is not open at the moment.');
  }
}

function renderRoom(state, note) {
  const room = state.room;
  if (room.status === 'closed') {
    showFinal('Thank you', SESSION_ENDED, true);
    return;
  }
  setText($('#room-cohort'), room.cohort || (info && info.cohort.name) || '');
  setText($('#room-heading'), room.title || 'Your group');
  renderVideo(safeUrl(room.videoUrl || (info && info.cohort.videoUrl) || ''));
  renderMembers(room.members, state.you);
  renderAgenda(room);
  renderActivity(state, note);
  if (shown !== 'room') {
    const wasWaiting = shown === 'waiting';
    show('room');
    if (wasWaiting) announce('The room is open.');
  }
}

function renderVideo(url) {
  const el = $('#room-video');
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
    if (!activity) activityView = gatheringView();
    else if (activity.kind === 'checkin') activityView = checkinView(activity, state);
    else if (activity.kind === 'grounding') activityView = groundingView(activity);
    else if (activity.kind === 'checkout') activityView = checkoutView(activity, state);
    else if (activity.kind === 'intentions') {
      activityView = intentionsView(activity, state, { getLive: () => live, draftPrefix: DRAFT_PREFIX, token });
    } else if (activity.kind === 'circle') activityView = participantCircleView(live);
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
      else if (activity.kind === 'checkin') announce(`The check-in has started: ${activity.prompt || ''}`);
      else if (activity.kind === 'grounding') announce('A grounding pause has begun. Take your time.');
      else if (activity.kind === 'checkout') announce(`The check-out has started: ${activity.prompt || ''}`);
      else if (activity.kind === 'intentions') announce(`Intentions have begun: ${activity.prompt || ''}`);
      else if (activity.kind === 'circle') announce(`The sharing circle has begun: ${activity.prompt || ''}`);
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

// --- the check-in -------------------------------------------------------------

const VISIBILITY_NOTE = {
  group: 'Your answer will be seen by the group and your facilitators.',
  facilitators: 'Only your facilitators see the answers',
  anonymous: 'The group sees only an anonymous summary. Your facilitators see your answer.',
};

function checkinView(activity, initialState) {
  const draftKey = `${DRAFT_PREFIX}${token}.${activity.id}`;
  const heading = h('h2', { id: 'checkin-heading' }, 'Arrival check-in');
  const prompt = h('p', { class: 'prompt' });
  const visibilityNote = h('p', { class: 'muted' });
  const formSlot = h('div');
  const closedNote = h('p', { class: 'notice', hidden: true }, 'The check-in is closed');
  const mineEl = h('div', { class: 'mine', hidden: true });
  const unsentEl = h('div', { class: 'mine', hidden: true });
  const results = h('section', { class: 'results', 'aria-labelledby': 'results-heading' });
  const root = h('section', { class: 'panel', 'aria-labelledby': 'checkin-heading' },
    heading, prompt, visibilityNote, closedNote, formSlot, mineEl, unsentEl, results);

  let form = null;
  let errorText = '';

  function update(state) {
    const a = state.room.activity;
    const mine = state.room.mine && state.room.mine.answer ? state.room.mine.answer : null;
    setText(prompt, a.prompt || '');
    setText(visibilityNote, VISIBILITY_NOTE[a.visibility] || '');

    if (a.open) {
      if (!form) {
        form = answerForm(draftKey, mine, {
          onSubmit: submit,
          onInput: () => {
            errorText = '';
            if (live) paintForm(live.state);
          },
        });
        fill(formSlot, form.root);
      }
      paintForm(state);
      closedNote.hidden = true;
      mineEl.hidden = true;
      unsentEl.hidden = true;
    } else {
      const draft = storage.get(draftKey);
      if (form) {
        fill(formSlot);
        form = null;
      }
      closedNote.hidden = false;
      renderMine(mineEl, mine);
      renderUnsent(unsentEl, draft, mine);
    }
    renderResults(results, a, state.you);
  }

  function paintForm(state) {
    if (!form) return;
    const mine = state.room && state.room.mine && state.room.mine.answer ? state.room.mine.answer : null;
    form.update({ mine, errorText, pending: live.pending('checkin.answer').length > 0, connection: state.connection });
  }

  function submit(values) {
    errorText = '';
    const data = {
      scale: Number(values.scale), state: values.state,
      feeling: values.feeling.trim(), note: values.note.trim(),
    };
    const sending = live.send('checkin.answer', data);
    update(live.state);
    sending.then(() => {
      // Keep the draft if they kept typing while it was on its way.
      if (form && sameAnswer(form.values(), values)) storage.remove(draftKey);
      refresh();
    }, (err) => {
      errorText = err.code === 'closed'
        ? 'The check-in closed before your answer could be shared.'
        : (err.message || 'Your check-in could not be shared. Please try again.');
      refresh();
    });
  }

  // refresh repaints after an ack or error, if this check-in is still the one on screen.
  function refresh() {
    const current = live && live.state.room && live.state.room.activity;
    if (current && current.id === activity.id) update(live.state);
  }

  return { root, update: (state) => update(state || initialState) };
}

function answerForm(draftKey, mine, { onSubmit, onInput }) {
  const saved = storage.get(draftKey);
  const initial = saved && saved.values ? saved.values
    : mine ? { scale: String(mine.scale), state: mine.state, feeling: mine.feeling || '', note: mine.note || '' }
      : { scale: '', state: '', feeling: '', note: '' };

  const scaleChoices = [];
  for (let i = 0; i <= 10; i += 1) {
    scaleChoices.push(h('label', { class: 'choice' },
      h('input', { type: 'radio', name: 'scale', value: String(i), id: `scale-${i}`, 'aria-describedby': 'scale-hint', checked: initial.scale === String(i) }),
      h('span', { class: 'face' }, String(i))));
  }
  const scaleSet = h('fieldset', null,
    h('legend', null, 'How are you, from 0 to 10?'),
    h('p', { class: 'hint', id: 'scale-hint' }, '0 is the hardest, 10 the best you can feel.'),
    h('div', { class: 'scale-choices' }, scaleChoices),
    h('div', { class: 'scale-ends', 'aria-hidden': 'true' }, h('span', null, '0 · very hard'), h('span', null, '10 · very good')));

  const stateChoices = [
    ['hypo', 'Hypo-aroused', 'numb, flat, far away'],
    ['within', 'Within my window', 'present, able to feel and think'],
    ['hyper', 'Hyper-aroused', 'anxious, racing, overwhelmed'],
  ].map(([value, title, desc]) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'state', value, id: `state-${value}`, checked: initial.state === value }),
    h('span', { class: 'face' },
      h('span', { class: 'title' }, title),
      h('span', { class: 'visually-hidden' }, ' — '),
      h('span', { class: 'desc' }, desc))));
  const stateSet = h('fieldset', null,
    h('legend', null, 'Where are you in your window of tolerance?'),
    h('div', { class: 'state-choices' }, stateChoices));

  const feeling = h('input', {
    type: 'text', id: 'answer-feeling', name: 'feeling', maxlength: 40, autocomplete: 'off',
    'aria-describedby': 'feeling-hint', value: initial.feeling || '',
  });
  const note = h('textarea', {
    id: 'answer-note', name: 'note', maxlength: 500, rows: 3, 'aria-describedby': 'note-hint', value: initial.note || '',
  });
  const submitButton = h('button', { type: 'submit', id: 'answer-submit', class: 'primary big' }, 'Share my check-in');
  const status = h('p', { id: 'answer-status', class: 'answer-status', role: 'status', 'aria-live': 'polite' });
  const dirtyNote = h('p', { class: 'hint', hidden: true }, 'You have changes that are not shared yet.');

  const root = h('form', { id: 'answer-form', novalidate: true },
    scaleSet, stateSet,
    h('label', { for: 'answer-feeling' }, 'A feeling word (optional)'),
    h('p', { class: 'hint', id: 'feeling-hint' }, 'One word for how you feel, if you like.'),
    feeling,
    h('label', { for: 'answer-note' }, 'Anything you would like to say (optional)'),
    h('p', { class: 'hint', id: 'note-hint' }, 'A sentence or two, up to 500 characters.'),
    note,
    h('div', { class: 'actions' }, submitButton),
    status, dirtyNote);

  function values() {
    const data = new FormData(root);
    return {
      scale: String(data.get('scale') ?? ''),
      state: String(data.get('state') ?? ''),
      feeling: feeling.value,
      note: note.value,
    };
  }

  let last = { mine, errorText: '', pending: false, connection: 'open' };

  function saveDraft() {
    storage.set(draftKey, { values: values(), savedAt: Date.now() });
    onInput();
  }
  root.addEventListener('input', saveDraft);
  root.addEventListener('change', saveDraft);

  root.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = values();
    if (v.scale === '' || v.state === '') {
      const missing = v.scale === '' ? 'a number from 0 to 10' : 'where you are in your window';
      paint({ ...last, errorText: `Please choose ${missing}.` });
      root.querySelector(v.scale === '' ? 'input[name="scale"]' : 'input[name="state"]').focus();
      return;
    }
    onSubmit(v);
  });

  const paint = formStatus({
    status, submitButton, dirtyNote, values, same: sameAnswer,
    text: {
      sending: 'Sharing your check-in…',
      kept: 'Your check-in is kept on this device and will be shared when the connection is back.',
      shared: 'Your check-in is shared',
      share: 'Share my check-in',
      change: 'Update my check-in',
    },
  });

  return {
    root,
    values,
    update(s) {
      last = s;
      paint(s);
    },
  };
}

/**
 * formStatus returns the painter of a form's status line, its submit button
 * and its "changed, not shared yet" note, for the send state s:
 * {errorText, pending, connection, mine}. text holds the form's own words.
 */
function formStatus({ status, submitButton, dirtyNote, values, same, text }) {
  return (s) => {
    let line = '';
    let kind = '';
    if (s.errorText) {
      line = s.errorText;
      kind = 'error';
    } else if (s.pending) {
      line = s.connection === 'open' ? text.sending : text.kept;
      kind = 'pending';
    } else if (s.mine) {
      line = text.shared;
      kind = 'shared';
    }
    setText(status, line);
    status.dataset.kind = kind;
    setText(submitButton, s.mine ? text.change : text.share);
    dirtyNote.hidden = !(s.mine && !s.pending && !s.errorText && !same(values(), s.mine));
  };
}

function sameAnswer(values, answer) {
  if (!values || !answer) return false;
  return String(values.scale) === String(answer.scale)
    && values.state === answer.state
    && (values.feeling || '').trim() === (answer.feeling || '').trim()
    && (values.note || '').trim() === (answer.note || '').trim();
}

function answerSummary(answer) {
  const parts = [`${answer.scale} of 10`];
  if (STATES[answer.state]) parts.push(answer.state === 'within' ? 'Within my window' : STATES[answer.state].label);
  if (answer.feeling) parts.push(`“${answer.feeling}”`);
  return parts.join(' · ');
}

function renderMine(el, mine) {
  if (!mine) {
    fill(el, h('p', null, 'You did not share a check-in this time. That is okay.'));
  } else {
    fill(el,
      h('h3', null, 'Your check-in'),
      h('p', null, answerSummary(mine)),
      mine.note ? h('p', { class: 'preserve' }, mine.note) : null);
  }
  el.hidden = false;
}

// renderUnsent shows what the participant wrote but could not share before
// the check-in closed, so their words are never silently lost.
function renderUnsent(el, draft, mine) {
  const v = draft && draft.values;
  const unsent = v && (v.note || v.feeling) && !sameAnswer(v, mine || {});
  el.hidden = !unsent;
  if (!unsent) return;
  fill(el,
    h('h3', null, 'What you wrote (not shared)'),
    v.feeling ? h('p', null, v.feeling) : null,
    v.note ? h('p', { class: 'preserve' }, v.note) : null,
    h('p', { class: 'hint' }, 'Only you can see this, on this device.'));
}

function renderResults(el, activity, you) {
  const count = typeof activity.answeredCount === 'number' ? activity.answeredCount : 0;
  const expected = typeof activity.expected === 'number' ? activity.expected : 0;
  const progress = h('p', { class: 'progress-line' }, `${count} of ${expected} have answered`);
  const heading = h('h3', { id: 'results-heading' }, activity.open ? 'So far' : 'Results');
  if (activity.visibility === 'group') {
    const items = (Array.isArray(activity.answers) ? activity.answers : []).map((answer) => h('li', { dataset: { answerMember: answer.memberId } },
      h('div', { class: 'row-head' },
        h('span', { class: 'name' }, answer.name || ''),
        you && answer.memberId === you.id ? h('span', { class: 'muted' }, '(you)') : null,
        h('span', { class: 'scale' }, `${answer.scale} of 10`),
        answer.state && STATES[answer.state] ? h('span', { class: 'badge quiet-state' },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, STATES[answer.state].icon), ' ', STATES[answer.state].label) : null,
        answer.feeling ? h('span', { class: 'feeling' }, answer.feeling) : null),
      answer.note ? h('p', { class: 'note preserve' }, answer.note) : null));
    fill(el, heading, progress, h('ul', { id: 'group-answers', class: 'plain answers' }, items));
  } else if (activity.visibility === 'anonymous') {
    // The server sends the summary only from three answers on, so that it
    // never gives away one person's answer.
    const summary = activity.aggregate
      ? aggregateView(activity.aggregate, 'aggregate')
      : h('p', { id: 'aggregate', class: 'hint' }, 'The anonymous summary appears once three people have answered.');
    fill(el, heading, progress, summary);
  } else {
    // The note above the form already says who sees the answers.
    fill(el, heading, progress);
  }
}

// --- the grounding pause --------------------------------------------------------

function groundingView(activity) {
  const heading = h('h2', { id: 'grounding-heading' }, 'A pause together');
  const lead = h('p', { class: 'muted grounding-lead' });
  let announced = '';
  const display = groundingDisplay({
    now: () => (live ? live.serverNow() : Date.now()),
    size: 'large',
    onState(s) {
      // The first state is what the participant finds; only changes are said.
      if (announced && s !== announced) {
        if (s === 'paused') announce('The pause is paused.');
        else if (s === 'complete') announce('The pause is complete.');
        else announce('The pause goes on.');
      }
      announced = s;
    },
  });
  const root = h('section', { id: 'grounding', class: 'panel grounding', 'aria-labelledby': 'grounding-heading' },
    heading, lead, display.root);
  let current = activity;
  function paintLead(a) {
    current = a;
    if (!a.breath) setText(lead, 'Let yourself arrive here. Everyone shares this quiet time.');
    else if (reducedMotion.matches) setText(lead, 'Breathe with the words below, if you like. Everyone is breathing in the same rhythm.');
    else setText(lead, 'Breathe with the circle, if you like. Everyone is breathing in the same rhythm.');
  }
  const onMotion = () => paintLead(current);
  reducedMotion.addEventListener('change', onMotion);

  return {
    root,
    update(state) {
      const a = state.room.activity;
      const item = (state.room.agenda || []).find((x) => x.id === a.itemId);
      setText(heading, item && item.title ? item.title : 'A pause together');
      paintLead(a);
      display.update(a);
    },
    destroy() {
      display.destroy();
      reducedMotion.removeEventListener('change', onMotion);
    },
  };
}

// --- the check-out ------------------------------------------------------------------

function checkoutView(activity, initialState) {
  const draftKey = `${DRAFT_PREFIX}${token}.${activity.id}`;
  const heading = h('h2', { id: 'checkout-heading' }, 'Check-out');
  const prompt = h('p', { class: 'prompt' });
  const formSlot = h('div');
  const progress = h('p', { id: 'checkout-progress', class: 'progress-line' });
  const results = h('section', { class: 'results', 'aria-labelledby': 'checkout-results-heading', hidden: true });
  const root = h('section', { id: 'checkout', class: 'panel', 'aria-labelledby': 'checkout-heading' },
    heading, prompt, formSlot, progress, results);

  let form = null;
  let errorText = '';
  let revealedBefore = null;

  function update(state) {
    const a = state.room.activity;
    const mine = state.room.mine && state.room.mine.word ? state.room.mine.word : null;
    const item = (state.room.agenda || []).find((x) => x.id === a.itemId);
    setText(heading, item && item.title ? item.title : 'Check-out');
    setText(prompt, a.prompt || '');
    if (!form) {
      form = wordForm(draftKey, mine, Boolean(a.closingCheck), {
        onSubmit: submit,
        onInput: () => {
          errorText = '';
          if (live) paintForm(live.state);
        },
      });
      fill(formSlot, form.root);
    }
    paintForm(state);

    const count = typeof a.answeredCount === 'number' ? a.answeredCount : 0;
    const expected = typeof a.expected === 'number' ? a.expected : 0;
    setText(progress, `${count} of ${expected} have shared`);
    progress.hidden = Boolean(a.revealed);

    results.hidden = !a.revealed;
    if (a.revealed) {
      const cloud = Array.isArray(a.cloud) ? a.cloud : [];
      fill(results,
        h('h3', { id: 'checkout-results-heading' }, 'The group’s words'),
        cloud.length ? wordCloud(cloud, 'checkout-cloud') : h('p', { class: 'muted' }, 'No words were shared.'),
        h('p', { class: 'hint' }, `${count} of ${expected} have shared. Words that come in now join the cloud.`));
      if (revealedBefore === false) announce('The group’s words are shown.');
    }
    revealedBefore = Boolean(a.revealed);
  }

  function paintForm(state) {
    if (!form) return;
    const mine = state.room && state.room.mine && state.room.mine.word ? state.room.mine.word : null;
    form.update({ mine, errorText, pending: live.pending('checkout.word').length > 0, connection: state.connection });
  }

  function submit(values) {
    errorText = '';
    const data = { word: values.word.trim() };
    if (values.state) data.state = values.state;
    const sending = live.send('checkout.word', data);
    update(live.state);
    sending.then(() => {
      if (form && sameWord(form.values(), values)) storage.remove(draftKey);
      refresh();
    }, (err) => {
      errorText = err.code === 'closed'
        ? 'The check-out ended before your word could be shared.'
        : (err.message || 'Your word could not be shared. Please try again.');
      refresh();
    });
  }

  function refresh() {
    const current = live && live.state.room && live.state.room.activity;
    if (current && current.id === activity.id) update(live.state);
  }

  return { root, update: (state) => update(state || initialState) };
}

function wordForm(draftKey, mine, closingCheck, { onSubmit, onInput }) {
  const saved = storage.get(draftKey);
  const initial = saved && saved.values ? saved.values
    : mine ? { word: mine.word || '', state: mine.state || '' } : { word: '', state: '' };

  const word = h('input', {
    type: 'text', id: 'checkout-word', name: 'word', maxlength: 40, autocomplete: 'off',
    autocapitalize: 'none', 'aria-describedby': 'checkout-word-hint', value: initial.word || '',
  });
  const stateSet = closingCheck ? h('fieldset', null,
    h('legend', null, 'And how are you leaving?'),
    h('p', { class: 'hint', id: 'closing-state-hint' }, 'Where are you in your window of tolerance? Only your facilitators see this.'),
    h('div', { class: 'state-choices' }, [
      ['hypo', 'Hypo-aroused', 'numb, flat, far away'],
      ['within', 'Within my window', 'present, able to feel and think'],
      ['hyper', 'Hyper-aroused', 'anxious, racing, overwhelmed'],
    ].map(([value, title, desc]) => h('label', { class: 'choice' },
      h('input', {
        type: 'radio', name: 'closing-state', value, id: `closing-state-${value}`,
        'aria-describedby': 'closing-state-hint', checked: initial.state === value,
      }),
      h('span', { class: 'face' },
        h('span', { class: 'title' }, title),
        h('span', { class: 'visually-hidden' }, ' — '),
        h('span', { class: 'desc' }, desc)))))) : null;
  const submitButton = h('button', { type: 'submit', id: 'checkout-submit', class: 'primary big' }, 'Share my word');
  const status = h('p', { id: 'checkout-status', class: 'answer-status', role: 'status', 'aria-live': 'polite' });
  const dirtyNote = h('p', { class: 'hint', hidden: true }, 'You have changes that are not shared yet.');

  const root = h('form', { id: 'checkout-form', novalidate: true },
    h('label', { for: 'checkout-word' }, 'Your word'),
    h('p', { class: 'hint', id: 'checkout-word-hint' }, 'One word, or a few, up to 40 characters. The group sees the words together, without names.'),
    word,
    stateSet,
    h('div', { class: 'actions' }, submitButton),
    status, dirtyNote);

  function values() {
    const data = new FormData(root);
    return { word: word.value, state: closingCheck ? String(data.get('closing-state') ?? '') : '' };
  }

  let last = { mine, errorText: '', pending: false, connection: 'open' };

  function saveDraft() {
    storage.set(draftKey, { values: values(), savedAt: Date.now() });
    onInput();
  }
  root.addEventListener('input', saveDraft);
  root.addEventListener('change', saveDraft);

  root.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = values();
    if (!v.word.trim()) {
      paint({ ...last, errorText: 'Please write a word first.' });
      word.focus();
      return;
    }
    if (closingCheck && !v.state) {
      paint({ ...last, errorText: 'Please choose where you are in your window.' });
      root.querySelector('input[name="closing-state"]').focus();
      return;
    }
    onSubmit(v);
  });

  const paint = formStatus({
    status, submitButton, dirtyNote, values, same: sameWord,
    text: {
      sending: 'Sharing your word…',
      kept: 'Your word is kept on this device and will be shared when the connection is back.',
      shared: 'Your word is shared',
      share: 'Share my word',
      change: 'Change my word',
    },
  });

  return {
    root,
    values,
    update(s) {
      last = s;
      paint(s);
    },
  };
}

function sameWord(values, mine) {
  if (!values || !mine) return false;
  return (values.word || '').trim() === (mine.word || '').trim()
    && (values.state || '') === (mine.state || '');
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
    const history = await api('GET', `/api/p/${enc(token)}/history`);
    if (!journeyOpen) return;
    fill(content, journeyList(history));
  } catch (err) {
    if (err.status === 409) {
      closeJourney();
      showAgreements('The group agreements have changed. Please read them again.');
      return;
    }
    if (err.status === 401) {
      closeJourney();
      showFinal('This link has ended', LINK_INVALID);
      return;
    }
    fill(content, h('p', { class: 'form-error', role: 'alert' }, err.message),
      h('button', { type: 'button', onclick: openJourney }, 'Try again'));
  }
}

function closeJourney() {
  if (!journeyOpen) return;
  journeyOpen = false;
  if (location.hash === '#journey') history.replaceState(null, '', location.pathname + location.search);
  show(shown);
  const heading = $(`#${shown} h1`);
  if (heading) heading.focus();
}

window.addEventListener('hashchange', () => {
  if (location.hash === '#journey') openJourney();
  else closeJourney();
});
$('#journey-back').addEventListener('click', closeJourney);
$('#journey-to-room').addEventListener('click', closeJourney);

// --- the end ----------------------------------------------------------------

function showFinal(title, text, withJourney = false) {
  if (live) {
    live.close();
    live = null;
  }
  if (activityView && activityView.destroy) activityView.destroy();
  activityView = null;
  const status = $('#connection-status');
  status.textContent = '';
  status.dataset.state = 'stopped';
  setText($('#final-heading'), title);
  setText($('#final-text'), text);
  $('#final-journey-line').hidden = !(withJourney && info && info.agreementsAccepted);
  const was = shown;
  show('final-message');
  if (was !== 'final-message') announce(text);
}

function pruneDrafts() {
  try {
    const now = Date.now();
    for (let i = window.localStorage.length - 1; i >= 0; i -= 1) {
      const key = window.localStorage.key(i);
      if (!key || !key.startsWith(DRAFT_PREFIX)) continue;
      const draft = storage.get(key);
      if (!draft || !draft.savedAt || now - draft.savedAt > DRAFT_MAX_AGE_MS) storage.remove(key);
    }
  } catch {
    // storage unavailable: nothing to prune
  }
}

$('#accept-agreements').addEventListener('click', acceptAgreements);
pruneDrafts();
start();

