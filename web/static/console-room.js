// console-room.js — the facilitator's live room, a cockpit: the people, the
// current activity with its controls (drawn by its kind's module,
// activities/), the live agenda; the care layer (alerts, threads, the door,
// the pause, notes) comes from cockpit.js.

import { api, enc } from './api.js';
import { connect } from './live.js';
import {
  $, h, setText, announce, safeUrl, fill, formError, busy, storage, keepFocus, append,
} from './dom.js';
import {
  alertsPanel, peoplePanel, doorControl, pauseControl, threadStore, notesBook, noteBox, chime,
} from './cockpit.js';
import {
  itemTitle, itemSummary, kindLabel, statusBadge, settingsFields, kindSelect, valuesOf, blankValues, MAX_ITEMS,
} from './agenda.js';
import { ACTIVITIES, activity as activityKind } from './activities/index.js';
import { actions } from './activities/view.js';

/**
 * roomView builds the facilitator's cockpit for one live session. It
 * returns the nodes to mount, start() to connect once they are in the page,
 * and close() to leave. onLoginLost is called when the facilitator's login
 * has ended.
 *
 * The layout: a header with the room's own controls (pause, door, sound,
 * close), the alerts pinned under it, then three columns on a laptop:
 * people, the live activity, the agenda and the session's notes. On a
 * narrow screen (a phone, or a laptop at 200 %) the columns stack in that
 * order, so the people and the activity's main control come first.
 */
export function roomView({ sessionId, backHref, backLabel, onLoginLost }) {
  const title = h('h1', null, 'Room');
  const subtitle = h('span', { class: 'muted' });
  const video = h('span', { class: 'video-link', hidden: true });
  const closeSession = h('button', { type: 'button', id: 'close-session', class: 'danger' }, 'Close session');
  const roomError = formError('room-error');
  const activityBox = h('div', { id: 'activity', class: 'activity-box' });
  const frozenNote = h('p', { class: 'frozen-note', id: 'frozen-note', hidden: true });
  let activityView = null;
  let ended = false;
  let live = null;
  const arrivals = arrivalMemory(sessionId);
  const threads = threadStore();
  const book = notesBook(sessionId);
  const sound = chime();
  const agenda = agendaPanel({ sessionId, send: (type, data) => live.send(type, data) });

  // The focus after an action: a button that goes away (or is disabled
  // while busy) drops the focus on <body>; onAction puts it back on the
  // same control when it is still there, else on the live activity.
  function focusActivity() {
    const primary = activityBox.querySelector('button.primary:not([hidden]):not(:disabled)');
    if (primary && primary.offsetParent !== null) {
      primary.focus();
      return;
    }
    const heading = activityBox.querySelector('#activity-heading') || activityBox.querySelector('h2');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }
  function focusHeading() {
    const heading = activityBox.querySelector('#activity-heading') || activityBox.querySelector('h2');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  }
  function onAction(button, promise) {
    return Promise.resolve(promise).then(() => {
      const active = document.activeElement;
      if (active && active !== document.body && active.isConnected) return;
      if (button && button.isConnected && !button.hidden && !button.disabled && button.offsetParent !== null) button.focus();
      else focusActivity();
    });
  }

  // Any button of the room that is pressed: once its action has settled
  // (the button is free again), a focus left on <body> goes back to it, or
  // to the live activity when the button is gone. The views choose better
  // places where they know them ("Done" after "I see you"); this catches
  // the rest, so the keyboard never starts again from the top.
  let watch = null;
  const onPress = (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest('button') : null;
    if (!button || !nodes.some((n) => n.contains(button))) return;
    window.clearInterval(watch);
    const until = Date.now() + 10000;
    watch = window.setInterval(() => {
      if (Date.now() > until) window.clearInterval(watch);
      if (button.disabled) return;
      window.clearInterval(watch);
      const active = document.activeElement;
      if (active && active !== document.body) return;
      if (button.isConnected && button.offsetParent !== null) button.focus();
      else focusActivity();
    }, 100);
  };

  const marksOf = (id) => {
    const room = live && live.state.room;
    const kind = room && room.activity && activityKind(room.activity.kind);
    const marks = kind && kind.marks ? kind.marks(room.activity) : null;
    return marks ? marks.get(id) || null : null;
  };
  const people = peoplePanel({ live: { send: (t, d) => live.send(t, d) }, threads, book, marksOf, onAction });
  const alerts = alertsPanel({
    live: { send: (t, d) => live.send(t, d), serverNow: () => (live ? live.serverNow() : Date.now()) },
    people, sound, onFocusAway: focusHeading,
  });
  const door = doorControl({ live: { send: (t, d) => live.send(t, d) }, onAction });
  const pause = pauseControl({ live: { send: (t, d) => live.send(t, d) }, onAction, onError: (m) => setText(roomError, m) });
  const sessionNote = noteBox({
    book, participantId: '', id: 'live-session-note', label: 'Notes for this session',
    hint: 'Private: the cohort’s facilitators read them, participants never do.',
  });
  const notesPanel = h('section', { class: 'panel notes-panel', 'aria-label': 'Session notes' }, sessionNote.root);

  const skip = h('a', { class: 'skip-link', href: '#activity' }, 'Skip to the live activity');
  // The page's routes live in the hash: the link moves the focus instead.
  skip.addEventListener('click', (ev) => {
    ev.preventDefault();
    const heading = activityBox.querySelector('h2');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
      heading.scrollIntoView({ block: 'nearest' });
    }
  });

  const head = h('header', { class: 'cockpit-head' },
    h('div', { class: 'cockpit-title' },
      h('a', { href: backHref, class: 'back-link' }, `← ${backLabel}`),
      title,
      h('p', { class: 'cockpit-sub' }, subtitle, video)),
    h('div', { class: 'cockpit-controls', role: 'group', 'aria-label': 'The room' },
      pause.button, door.toggle, sound.root, closeSession),
    door.panel);

  const grid = h('div', { class: 'cockpit' },
    h('div', { class: 'cockpit-col cockpit-people' }, people.root),
    h('div', { class: 'cockpit-col cockpit-live' },
      h('section', { id: 'live-activity', class: 'panel live-panel', 'aria-labelledby': 'activity-heading' }, frozenNote, activityBox)),
    h('div', { class: 'cockpit-col cockpit-plan' }, agenda.root, notesPanel));

  const nodes = [
    skip,
    h('div', { class: 'cockpit-top' }, head, pause.banner, alerts.root, alerts.speaker, roomError),
    grid,
  ];
  fill(activityBox, h('h2', { id: 'activity-heading' }, 'Connecting to the room…'));

  // The columns fill the window below the header and the alerts, each
  // scrolling by itself, so what matters stays on the first screen.
  const fit = () => {
    const top = grid.getBoundingClientRect().top + window.scrollY;
    grid.style.setProperty('--cockpit-top', `${Math.max(0, Math.round(top))}px`);
  };
  const resize = new ResizeObserver(fit);

  closeSession.addEventListener('click', () => {
    if (!window.confirm('Close this session for everyone?\n\nParticipants will see that the session has ended. This cannot be undone.')) return;
    setText(roomError, '');
    busy(closeSession, () => live.send('room.close', {}).catch((err) => {
      setText(roomError, err.message);
    }));
  });

  async function probeRoom() {
    try {
      await api('GET', '/api/me');
    } catch (err) {
      if (err.status === 401) return { reason: 'unauthorized', message: 'Your login has ended.' };
      return null;
    }
    try {
      const data = await api('GET', '/api/cohorts');
      const liveHere = ((data && data.cohorts) || []).some((c) => c.liveSessionId === sessionId);
      if (!liveHere) return { reason: 'not_live', message: 'This room is not open.' };
    } catch {
      return null;
    }
    return null;
  }

  function render(state, note) {
    if (note && note.kind === 'stopped') {
      if (note.reason.reason === 'unauthorized') onLoginLost();
      else showEnded('This room is not open', 'The session is not live: open it from the cohort page, or it has already been closed.');
      return;
    }
    if (state.bye && state.bye.reason === 'revoked') {
      // The login this room was entered with has ended (a logout, a
      // password change), or this facilitator left the cohort.
      api('GET', '/api/me').then(
        () => showEnded('You have left this room', state.bye.message || 'You are no longer in this room.'),
        (err) => (err.status === 401 ? onLoginLost() : showEnded('You have left this room', state.bye.message || '')));
      return;
    }
    if (state.bye) {
      showEnded('The session is closed', state.bye.reason === 'closed'
        ? 'Thank you for holding this space. The room is closed for everyone.'
        : (state.bye.message || 'The room is closed.'));
      return;
    }
    const room = state.room;
    if (!room) return;
    threads.take(state, note);
    setText(title, room.title || 'Room');
    setText(subtitle, room.cohort || '');
    renderVideo(safeUrl(room.videoUrl));
    people.render(state);
    if (room.status === 'closed') {
      document.title = `${room.title || 'Room'} · Hearth`;
      showEnded('The session is closed', 'Thank you for holding this space. The room is closed for everyone.');
      return;
    }
    const signals = alerts.titleWords(room);
    document.title = signals ? `${signals} · Hearth` : `${room.title || 'Room'} · Hearth`;
    pause.render(room);
    door.render(room);
    const hold = room.hold || {};
    frozenNote.hidden = !(hold.paused || hold.facilitatorAway);
    setText(frozenNote, hold.paused
      ? 'Paused: the activity waits. Resume the room (at the top) to go on.'
      : 'The room held still while no facilitator was connected.');
    agenda.update(state);
    renderActivity(state);
    alerts.render(room);
    fit();
  }

  function renderVideo(url) {
    if (video.dataset.url === url) return;
    video.dataset.url = url;
    video.hidden = !url;
    fill(video);
    if (url) {
      video.append(' · ', h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' },
        'Video call', h('span', { class: 'visually-hidden' }, ' (opens in a new tab)')));
    }
  }

  function showEnded(heading, text) {
    if (ended) return;
    ended = true;
    closeSession.hidden = true;
    pause.button.hidden = true;
    door.toggle.hidden = true;
    door.panel.hidden = true;
    pause.banner.hidden = true;
    frozenNote.hidden = true;
    alerts.root.hidden = true;
    document.title = 'Session closed · Hearth';
    if (activityView && activityView.destroy) activityView.destroy();
    activityView = null;
    agenda.end();
    fill(activityBox,
      h('h2', { id: 'activity-heading' }, heading),
      h('p', null, text),
      h('p', { class: 'actions' },
        h('a', { class: 'button primary', id: 'room-summary-link', href: `#/summary/${enc(sessionId)}` }, 'Read the session’s summary'),
        h('a', { href: backHref }, backLabel)));
    announce(heading);
  }

  function renderActivity(state) {
    const activity = state.room.activity;
    const key = activity ? `${activity.kind}:${activity.id}` : 'gathering';
    if (!activityView || activityView.key !== key) {
      const hadFocus = activityBox.contains(document.activeElement);
      if (activityView && activityView.destroy) activityView.destroy();
      const kind = activity && activityKind(activity.kind);
      if (!activity) activityView = gatheringView(live);
      else if (kind) activityView = kind.console(activity, { live, arrivals });
      else activityView = otherView(live, activity);
      activityView.key = key;
      fill(activityBox, activityView.root);
      activityView.update(state);
      // The activity changed under the focus: it goes to the new one's heading.
      if (hadFocus || document.activeElement === document.body) {
        const heading = activityBox.querySelector('h2');
        if (heading && hadFocus) {
          heading.tabIndex = -1;
          heading.focus({ preventScroll: true });
        }
      }
      return;
    }
    activityView.update(state);
  }

  return {
    nodes,
    // start connects once the nodes are in the document.
    start() {
      live = connect(`/ws/sessions/${enc(sessionId)}`, {
        outboxKey: `f.${sessionId}`,
        statusEl: $('#connection-status'),
        probe: probeRoom,
      });
      live.subscribe(render);
      sessionNote.start();
      resize.observe(document.body);
      document.addEventListener('click', onPress, true);
      fit();
      window.addEventListener('resize', fit);
    },
    close() {
      if (activityView && activityView.destroy) activityView.destroy();
      activityView = null;
      resize.disconnect();
      document.removeEventListener('click', onPress, true);
      window.clearInterval(watch);
      window.removeEventListener('resize', fit);
      alerts.destroy();
      door.destroy();
      sound.destroy();
      if (live) live.close();
    },
  };
}

function gatheringView(live) {
  const lead = h('p', { class: 'muted' }, 'Everyone is arriving. When you are ready, start the arrival check-in.');
  const formHeading = h('h3', { id: 'checkin-form-heading' }, 'Arrival check-in');
  const form = ACTIVITIES.checkin.startForm(live, formHeading, { visibility: plannedVisibility(live.state.room) });
  const visibility = form.querySelector('#checkin-visibility');
  let chosen = false; // the facilitator picked one: the plan no longer decides
  if (visibility) visibility.addEventListener('change', () => { chosen = true; });
  return {
    root: h('div', null,
      h('h2', { id: 'activity-heading' }, 'Gathering'),
      lead,
      formHeading,
      form),
    update(state) {
      const items = Array.isArray(state.room.agenda) ? state.room.agenda : [];
      const next = items.find((x) => x.status === 'pending');
      if (visibility && !chosen) visibility.value = plannedVisibility(state.room);
      if (next) {
        setText(lead, `Everyone is arriving. When you are ready, begin with ${itemTitle(next)} (“Start” in the agenda), or start any activity of the agenda.`);
        setText(formHeading, 'Or start an arrival check-in now');
      } else if (items.length) {
        setText(lead, 'Everything on the agenda has happened. You can start an activity again, add one, or close the session.');
        setText(formHeading, 'Start an arrival check-in now');
      } else {
        setText(lead, 'Everyone is arriving. When you are ready, start the arrival check-in.');
        setText(formHeading, 'Arrival check-in');
      }
    },
  };
}

/**
 * plannedVisibility is who sees the answers of a check-in started outside
 * the agenda: as the session's planned check-in would have it (the next one
 * still to come, else the first), or only an anonymous summary when none is
 * planned. Never "the group" by default: the facilitator chose privacy for
 * this session, or did not think about it.
 */
function plannedVisibility(room) {
  const items = room && Array.isArray(room.agenda) ? room.agenda : [];
  const checkins = items.filter((x) => x.kind === 'checkin' && x.visibility);
  const planned = checkins.find((x) => x.status === 'pending') || checkins[0];
  return planned ? planned.visibility : 'anonymous';
}

function otherView(live, activity) {
  const end = h('button', { type: 'button', id: 'end-activity' }, 'End activity');
  const error = formError('activity-error');
  const act = actions(live, error);
  end.addEventListener('click', () => act(end, 'activity.end', {}));
  return {
    root: h('div', null, h('h2', { id: 'activity-heading' }, kindLabel(activity.kind)), error, h('div', { class: 'actions' }, end)),
    update() {},
  };
}

// --- arrival states, for the check-out -------------------------------------------

/**
 * arrivalMemory keeps each participant's latest check-in answer seen in this
 * room, so the check-out can show how each person arrived beside how they
 * leave. It lives in sessionStorage: it survives a reload of this tab and
 * is gone when the tab closes.
 */
function arrivalMemory(sessionId) {
  const key = `hearth.arrivals.${sessionId}`;
  let map = {};
  try {
    map = JSON.parse(window.sessionStorage.getItem(key) || '{}') || {};
  } catch {
    map = {};
  }
  return {
    take(answers) {
      let changed = false;
      for (const a of answers) {
        const before = map[a.memberId];
        if (!before || before.at !== a.at) {
          map[a.memberId] = { scale: a.scale, state: a.state, at: a.at };
          changed = true;
        }
      }
      if (!changed) return;
      try {
        window.sessionStorage.setItem(key, JSON.stringify(map));
      } catch {
        // storage unavailable: kept in memory only
      }
    },
    get(memberId) {
      return map[memberId] || null;
    },
  };
}

// --- the agenda, live ------------------------------------------------------------

/**
 * agendaPanel is the room's agenda beside the current activity: each item
 * with its status and, for pending ones, start / skip / move / edit /
 * remove; "Next" to go on; "Add activity".
 *
 * Hooks: #agenda (ol) > li[data-item-id][data-status][data-kind] with
 * button[data-action="start"|"skip"|"up"|"down"|"edit"|"remove"];
 * #agenda-next; #agenda-add-toggle, #agenda-add-form, #agenda-add-kind,
 * #agenda-add-place.
 */
function agendaPanel({ sessionId, send }) {
  const draftKey = `hearth.liveAdd.${sessionId}`;
  const now = h('p', { id: 'agenda-now', class: 'agenda-now' });
  const next = h('button', { type: 'button', id: 'agenda-next', class: 'primary big' }, 'Next');
  const nextHint = h('p', { class: 'hint', id: 'agenda-next-hint' });
  next.setAttribute('aria-describedby', 'agenda-next-hint');
  const list = h('ol', { id: 'agenda', class: 'plain agenda-list live' });
  const empty = h('p', { class: 'muted' }, 'This session has no agenda. Add an activity below, or start an arrival check-in.');
  const error = formError('agenda-error');
  const msg = h('p', { class: 'form-ok', role: 'status' });

  // Add activity: a persistent form, kept as a draft.
  const draft = storage.get(draftKey) || {};
  const addToggle = h('button', { type: 'button', id: 'agenda-add-toggle', 'aria-expanded': 'false', 'aria-controls': 'agenda-add-form' },
    h('span', { 'aria-hidden': 'true' }, '+'), ' Add activity');
  const addKind = kindSelect('agenda-add-kind', draft.kind || 'checkin');
  const addFields = settingsFields('agenda-add', { kind: addKind.value, values: draft.values, onInput: saveDraft });
  const place = h('select', { id: 'agenda-add-place' },
    h('option', { value: 'end' }, 'At the end of the agenda'),
    h('option', { value: 'next' }, 'Right after the current activity'));
  const addError = formError('agenda-add-error');
  const addSubmit = h('button', { type: 'submit', class: 'primary' }, 'Add to agenda');
  const addCancel = h('button', { type: 'button' }, 'Close');
  const addForm = h('form', { id: 'agenda-add-form', class: 'agenda-add', novalidate: true, hidden: true },
    h('label', { for: 'agenda-add-kind' }, 'Kind of activity'), addKind,
    addFields.root,
    h('label', { for: 'agenda-add-place' }, 'Where'), place,
    addError,
    h('div', { class: 'actions' }, addSubmit, addCancel));

  // Compact by default (titles and status, "Start" while gathering); the
  // changes open in place.
  const change = h('button', { type: 'button', id: 'agenda-change', class: 'small', 'aria-pressed': 'false' }, 'Change the agenda');
  const addRow = h('div', { class: 'actions agenda-add-row' }, addToggle);
  const root = h('section', { class: 'panel agenda-panel', 'aria-labelledby': 'agenda-heading', dataset: { mode: 'compact' } },
    h('div', { class: 'row-head' }, h('h2', { id: 'agenda-heading' }, 'Agenda'), change),
    now, next, nextHint, error, msg,
    empty, list,
    addRow,
    addForm);
  function setChanging(on) {
    root.dataset.mode = on ? 'change' : 'compact';
    change.setAttribute('aria-pressed', on ? 'true' : 'false');
    setText(change, on ? 'Done changing' : 'Change the agenda');
  }
  change.addEventListener('click', () => setChanging(root.dataset.mode !== 'change'));

  let state = null;
  let items = [];
  let running = null;
  let lastKey = '';
  let editing = null; // {id, root}
  let ended = false;
  let lastPress = null; // {id, action, index, at}: the item button last pressed

  // Remember which item button was pressed, to give the focus back after
  // the list is rebuilt.
  list.addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-action]');
    const li = button && button.closest('li[data-item-id]');
    if (!li) return;
    lastPress = { id: li.dataset.itemId, action: button.dataset.action, index: [...list.children].indexOf(li), at: Date.now() };
  });

  function saveDraft() {
    const values = addFields.values();
    const blank = addKind.value === 'checkin' && JSON.stringify(values) === JSON.stringify(blankValues());
    if (blank && addForm.hidden) storage.remove(draftKey);
    else storage.set(draftKey, { kind: addKind.value, values, open: !addForm.hidden, savedAt: Date.now() });
  }

  function setAddOpen(open, focus) {
    if (open) setChanging(true);
    addForm.hidden = !open;
    addToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    saveDraft();
    if (focus) (open ? addKind : addToggle).focus();
  }
  if (draft.open) setAddOpen(true, false);

  addToggle.addEventListener('click', () => setAddOpen(addForm.hidden, true));
  addCancel.addEventListener('click', () => setAddOpen(false, true));
  addForm.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') setAddOpen(false, true);
  });
  addKind.addEventListener('change', () => {
    addFields.setKind(addKind.value);
    setText(addError, '');
    saveDraft();
  });
  addForm.addEventListener('input', () => setText(addError, ''));
  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(addError, '');
    if (addFields.kind !== addKind.value) addFields.setKind(addKind.value);
    if (items.length >= MAX_ITEMS) {
      setText(addError, `An agenda holds at most ${MAX_ITEMS} activities.`);
      return;
    }
    const result = addFields.read();
    if (result.error) {
      setText(addError, result.error);
      addFields.focus(result.field);
      return;
    }
    const after = place.value === 'next' && running ? running.id : '';
    const title = itemTitle(result.item);
    busy(addSubmit, () => send('agenda.add', { item: result.item, after }).then(() => {
      addFields.setValues(blankValues());
      saveDraft();
      setText(msg, `${title} is added to the agenda.`);
      announce(`${title} is added to the agenda.`);
    }, (err) => setText(addError, err.message)));
  });

  next.addEventListener('click', () => {
    setText(error, '');
    setText(msg, '');
    busy(next, () => send('agenda.next', {}).catch((err) => setText(error, err.message)));
  });

  function act(item, action, data, doneText) {
    setText(error, '');
    setText(msg, '');
    return send(action, data).then(() => {
      if (doneText) announce(doneText);
    }, (err) => setText(error, err.message));
  }

  function movable(index) {
    const item = items[index];
    return item && (item.status === 'pending' || item.status === 'skipped' || !item.status);
  }

  function row(item, index) {
    const status = item.status || 'pending';
    const title = itemTitle(item);
    const li = h('li', { dataset: { itemId: item.id, status, kind: item.kind || '' } });
    if (editing && editing.id === item.id) {
      li.append(editing.root);
      return li;
    }
    const gathering = !running;
    const pending = status === 'pending';
    const buttons = [];
    const labelled = (action, text, label, cls) => h('button', { type: 'button', class: cls || null, dataset: { action } },
      text, h('span', { class: 'visually-hidden' }, ` ${label || title}`));
    if (gathering && (pending || status === 'skipped' || status === 'done')) {
      const start = labelled('start', status === 'done' ? 'Run again' : 'Start', title);
      start.addEventListener('click', () => busy(start, () => act(item, 'agenda.start', { itemId: item.id })));
      buttons.push(start);
    }
    // Pending and skipped items have not run: they can still change.
    if (pending || status === 'skipped') {
      if (pending) {
        const skip = labelled('skip', 'Skip');
        skip.addEventListener('click', () => busy(skip, () => act(item, 'agenda.skip', { itemId: item.id }, `${title} skipped.`)));
        buttons.push(skip);
      }
      const up = h('button', { type: 'button', class: 'icon-button', dataset: { action: 'up' }, title: 'Move up', disabled: !movable(index - 1) },
        h('span', { 'aria-hidden': 'true' }, '↑'), h('span', { class: 'visually-hidden' }, `Move up: ${title}`));
      const down = h('button', { type: 'button', class: 'icon-button', dataset: { action: 'down' }, title: 'Move down', disabled: !movable(index + 1) },
        h('span', { 'aria-hidden': 'true' }, '↓'), h('span', { class: 'visually-hidden' }, `Move down: ${title}`));
      up.addEventListener('click', () => act(item, 'agenda.move', { itemId: item.id, to: index - 1 }, `${title} moved up.`));
      down.addEventListener('click', () => act(item, 'agenda.move', { itemId: item.id, to: index + 1 }, `${title} moved down.`));
      const edit = labelled('edit', 'Edit');
      edit.addEventListener('click', () => startEdit(item));
      const remove = labelled('remove', 'Remove', title, 'danger');
      remove.addEventListener('click', () => busy(remove, () => act(item, 'agenda.remove', { itemId: item.id }, `${title} removed from the agenda.`)));
      buttons.push(up, down, edit, remove);
    }
    append(li, [
      h('span', { class: 'item-num', 'aria-hidden': 'true' }, status === 'done' ? '✓' : String(index + 1)),
      h('div', { class: 'item-main' },
        h('div', { class: 'row-head' },
          h('span', { class: 'name' }, title),
          statusBadge(status)),
        h('p', { class: 'muted small item-summary' }, `${kindLabel(item.kind)} · ${itemSummary(item)}`)),
      buttons.length ? h('div', { class: 'item-actions' }, buttons) : null]);
    return li;
  }

  function startEdit(item) {
    const fields = settingsFields('agenda-edit', { kind: item.kind, values: valuesOf(item) });
    const editError = formError('agenda-edit-error');
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h('form', { id: 'agenda-edit-form', class: 'agenda-edit', novalidate: true },
      h('h3', { class: 'edit-heading' }, `Edit: ${itemTitle(item)}`),
      fields.root, editError,
      h('div', { class: 'actions' }, save, cancel));
    const stop = () => {
      editing = null;
      lastKey = '';
      paint();
      focusButton(item.id, 'edit');
    };
    cancel.addEventListener('click', stop);
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') stop();
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      setText(editError, '');
      const result = fields.read();
      if (result.error) {
        setText(editError, result.error);
        fields.focus(result.field);
        return;
      }
      busy(save, () => send('agenda.edit', { item: { ...result.item, id: item.id } }).then(() => {
        announce(`${itemTitle(result.item)} changed.`);
        stop();
      }, (err) => setText(editError, err.message)));
    });
    editing = { id: item.id, root: form };
    lastKey = '';
    paint();
    const first = form.querySelector('input, select');
    if (first) first.focus();
  }

  // focusButton puts the focus back on an item's button after the list was
  // rebuilt: the same action if it is still there, else a harmless one of
  // the same item (never "Start": a second Enter must not start anything).
  // An item that is gone hands the focus to the one now in its place.
  function focusButton(id, action, index = -1) {
    const rows = [...list.querySelectorAll('li[data-item-id]')];
    let li = rows.find((x) => x.dataset.itemId === id);
    if (!li && index >= 0 && rows.length) li = rows[Math.min(index, rows.length - 1)];
    const order = [action, action === 'up' ? 'down' : action === 'down' ? 'up' : '', 'edit', 'skip', 'remove', 'up', 'down'];
    let target = null;
    for (const a of order) {
      if (!a || !li) continue;
      target = li.querySelector(`button[data-action="${a}"]:not(:disabled)`);
      if (target) break;
    }
    if (!target) {
      target = $('#agenda-heading');
      target.tabIndex = -1;
    }
    target.focus();
  }

  function paint() {
    if (!state) return;
    const key = JSON.stringify([items, running ? running.id : '', editing ? editing.id : '']);
    if (key === lastKey) return;
    lastKey = key;

    // Give the focus back to the same button of the same item after the
    // list is rebuilt (a moved item keeps it, so the keyboard can go on).
    const active = document.activeElement;
    const activeLi = active && list.contains(active) ? active.closest('li[data-item-id]') : null;
    let focusAgain = activeLi && active.dataset && active.dataset.action
      ? { id: activeLi.dataset.itemId, action: active.dataset.action, index: [...list.children].indexOf(activeLi) } : null;
    // A button pressed a moment ago may have lost the focus while it was
    // busy (disabled): the focus goes back to its item when the change lands.
    if (!focusAgain && lastPress && Date.now() - lastPress.at < 10000
      && (!active || active === document.body)) focusAgain = lastPress;
    lastPress = null;

    if (editing) {
      const item = items.find((x) => x.id === editing.id);
      if (!item || (item.status !== 'pending' && item.status !== 'skipped')) {
        editing = null;
        setText(msg, item ? `${itemTitle(item)} has started, so it can no longer be edited.` : 'The activity you were editing was removed.');
      }
    }
    keepFocus(() => fill(list, ...items.map(row)));
    empty.hidden = items.length > 0;
    if (focusAgain && !list.contains(document.activeElement)) focusButton(focusAgain.id, focusAgain.action, focusAgain.index);

    const pendingNext = items.find((x) => x.status === 'pending');
    setText(now, running ? `Now: ${itemTitle(running)}` : 'Now: gathering');
    now.dataset.running = running ? 'true' : 'false';
    if (pendingNext) {
      next.disabled = false;
      setText(next, running ? `Next: ${itemTitle(pendingNext)}` : `Start: ${itemTitle(pendingNext)}`);
      setText(nextHint, running
        ? `Ends ${itemTitle(running)} and starts ${itemTitle(pendingNext)} for everyone.`
        : `Starts ${itemTitle(pendingNext)} for everyone.`);
    } else if (running) {
      next.disabled = false;
      setText(next, `Finish: ${itemTitle(running)}`);
      setText(nextHint, 'This is the last activity on the agenda: this ends it and returns everyone to gathering.');
    } else {
      next.disabled = true;
      setText(next, 'Next');
      setText(nextHint, items.length
        ? 'Nothing more is planned. Add an activity, or start one again.'
        : 'Nothing is planned yet.');
    }
    place.options[1].disabled = !running;
    if (!running && place.value === 'next') place.value = 'end';
  }

  return {
    root,
    update(next_) {
      if (ended) return;
      state = next_;
      items = Array.isArray(state.room.agenda) ? state.room.agenda : [];
      const activity = state.room.activity;
      running = items.find((x) => x.status === 'running')
        || (activity && activity.itemId ? items.find((x) => x.id === activity.itemId) : null)
        || null;
      if (!running && activity) running = { id: activity.itemId || activity.id, kind: activity.kind, title: '', status: 'running' };
      paint();
    },
    end() {
      ended = true;
      root.hidden = true;
    },
  };
}
