// console-room.js — the facilitator's live room: everyone's presence, the
// live agenda, and the current activity with its controls, drawn by its
// kind's module (activities/).

import { api, enc } from './api.js';
import { connect } from './live.js';
import {
  $, h, setText, announce, safeUrl, presenceLabel, fill, formError, busy, storage, keepFocus, append,
} from './dom.js';
import {
  itemTitle, itemSummary, kindLabel, statusBadge, settingsFields, kindSelect, valuesOf, blankValues, MAX_ITEMS,
} from './agenda.js';
import { ACTIVITIES, activity as activityKind } from './activities/index.js';
import { actions } from './activities/view.js';

/**
 * roomView builds the live room of one session. It returns the nodes to
 * mount, start() to connect once they are in the page, and close() to leave.
 * onLoginLost is called when the facilitator's login has ended.
 */
export function roomView({ sessionId, backHref, backLabel, onLoginLost }) {
  const title = h('h1', null, 'Room');
  const subtitle = h('p', { class: 'muted' });
  const video = h('p', { hidden: true });
  const closeSession = h('button', { type: 'button', id: 'close-session', class: 'danger' }, 'Close session');
  const roomError = formError('room-error');
  const summary = h('p', { class: 'muted small' });
  const members = h('ul', { id: 'members', class: 'plain members' });
  const activityBox = h('div', { id: 'activity' });
  let activityView = null;
  let ended = false;
  const arrivals = arrivalMemory(sessionId);
  const agenda = agendaPanel({ sessionId, send: (type, data) => live.send(type, data) });

  const nodes = [
    h('p', null, h('a', { href: backHref }, `← ${backLabel}`)),
    h('div', { class: 'row-head' }, h('div', null, title, subtitle, video)),
    roomError,
    h('div', { class: 'grid-2 room-grid' },
      h('div', { class: 'room-side' },
        agenda.root,
        h('section', { class: 'panel', 'aria-labelledby': 'members-heading' },
          h('h2', { id: 'members-heading' }, 'Who is here'), summary, members)),
      h('div', { class: 'room-main' },
        h('section', { class: 'panel', 'aria-labelledby': 'activity-heading' }, activityBox),
        h('div', { class: 'actions' }, closeSession))),
  ];
  fill(activityBox, h('h2', { id: 'activity-heading' }, 'Connecting to the room…'));

  let live = null;

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
    setText(title, room.title || 'Room');
    document.title = `${room.title || 'Room'} · Hearth`;
    setText(subtitle, room.cohort || '');
    renderVideo(safeUrl(room.videoUrl));
    if (room.status === 'closed') {
      renderMembers(room, state.you);
      showEnded('The session is closed', 'Thank you for holding this space. The room is closed for everyone.');
      return;
    }
    renderMembers(room, state.you);
    agenda.update(state);
    renderActivity(state);
  }

  function renderVideo(url) {
    if (video.dataset.url === url) return;
    video.dataset.url = url;
    video.hidden = !url;
    fill(video);
    if (url) {
      video.append(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' },
        'Video call', h('span', { class: 'visually-hidden' }, ' (opens in a new tab)')),
      ' ', h('span', { class: 'muted small' }, url));
    }
  }

  function showEnded(heading, text) {
    if (ended) return;
    ended = true;
    closeSession.hidden = true;
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

  function renderMembers(room, you) {
    const kind = room.activity && activityKind(room.activity.kind);
    const marks = kind && kind.marks ? kind.marks(room.activity) : new Map();
    const sorted = [...(room.members || [])].sort((a, b) => (a.role === 'facilitator' ? 0 : 1) - (b.role === 'facilitator' ? 0 : 1));
    fill(members, ...sorted.map((m) => h('li', { dataset: { memberId: m.id, presence: m.presence || '', role: m.role || '' } },
      h('span', { class: 'name' }, m.name || ''),
      m.role === 'facilitator' ? h('span', { class: 'role' }, you && m.id === you.id ? 'facilitator (you)' : 'facilitator') : null,
      h('span', { class: 'end' }, marks.get(m.id) || null, presenceLabel(m.presence)))));
    const counts = { present: 0, reconnecting: 0, left: 0, absent: 0 };
    for (const m of room.members || []) {
      if (m.role !== 'facilitator' && m.presence in counts) counts[m.presence] += 1;
    }
    const parts = [`${counts.present} present`];
    if (counts.reconnecting) parts.push(`${counts.reconnecting} reconnecting`);
    if (counts.left) parts.push(`${counts.left} left`);
    if (counts.absent) parts.push(`${counts.absent} not here yet`);
    setText(summary, `Participants: ${parts.join(' · ')}`);
  }

  function renderActivity(state) {
    const activity = state.room.activity;
    const key = activity ? `${activity.kind}:${activity.id}` : 'gathering';
    if (!activityView || activityView.key !== key) {
      if (activityView && activityView.destroy) activityView.destroy();
      const kind = activity && activityKind(activity.kind);
      if (!activity) activityView = gatheringView(live);
      else if (kind) activityView = kind.console(activity, { live, arrivals });
      else activityView = otherView(live, activity);
      activityView.key = key;
      fill(activityBox, activityView.root);
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
    },
    close() {
      if (activityView && activityView.destroy) activityView.destroy();
      activityView = null;
      if (live) live.close();
    },
  };
}

function gatheringView(live) {
  const lead = h('p', { class: 'muted' }, 'Everyone is arriving. When you are ready, start the arrival check-in.');
  const formHeading = h('h3', { id: 'checkin-form-heading' }, 'Arrival check-in');
  return {
    root: h('div', null,
      h('h2', { id: 'activity-heading' }, 'Gathering'),
      lead,
      formHeading,
      ACTIVITIES.checkin.startForm(live, formHeading)),
    update(state) {
      const items = Array.isArray(state.room.agenda) ? state.room.agenda : [];
      const next = items.find((x) => x.status === 'pending');
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

  const root = h('section', { class: 'panel agenda-panel', 'aria-labelledby': 'agenda-heading' },
    h('h2', { id: 'agenda-heading' }, 'Agenda'),
    now, next, nextHint, error, msg,
    empty, list,
    h('div', { class: 'actions' }, addToggle),
    addForm);

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
