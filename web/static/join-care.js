// join-care.js — what holds a participant beside the agenda, on their page
// (docs/protocol.md, "Care in the room"): the support signal, the support
// lines, the private thread with the facilitators, and the hold screen
// while the room is paused or its facilitators are away.
//
// The bar at the bottom of the page is in the same place on every screen,
// so that someone who is not okay never has to look for it. Everything it
// sends goes through the live connection's outbox (live.js): a signal or a
// message sent on a bad connection goes out when the connection is back.

import {
  $, h, setText, fill, announce, storage, formatTime,
} from './dom.js';
import { DRAFT_PREFIX } from './outbox-form.js';

const MESSAGE_MAX = 500;
const PACER_KEY = 'hearth.hold.pacer';

const NOT_WATCHED = 'This room is not watched outside sessions: between sessions, nobody sees a signal or a message here.';

/**
 * crisisNodes shows the support lines from GET /api/p (`crisis`:
 * the cohort's own text first, then the operator's), as text, with the
 * plain note that the room is not watched outside sessions.
 */
export function crisisNodes(info, idPrefix) {
  const crisis = (info && info.crisis) || {};
  const cohort = typeof crisis.cohort === 'string' ? crisis.cohort.trim() : '';
  const operator = typeof crisis.operator === 'string' ? crisis.operator.trim() : '';
  const nodes = [];
  if (cohort) nodes.push(h('div', { class: 'crisis-text preserve', id: `${idPrefix}-cohort` }, cohort));
  if (operator) nodes.push(h('div', { class: 'crisis-text preserve', id: `${idPrefix}-operator` }, operator));
  if (!cohort && !operator) {
    nodes.push(h('p', { class: 'crisis-text' },
      'If you are in danger now, please call your local emergency number.'));
  }
  // The operator's default text says it already; once is plain enough.
  if (!/not watched outside sessions/i.test(`${cohort} ${operator}`)) {
    nodes.push(h('p', { class: 'muted small not-watched' }, NOT_WATCHED));
  }
  return nodes;
}

/**
 * careLayer wires the bar, its three sheets and the hold screen. The page
 * calls place(where, live) when it changes screens ('room', 'waiting',
 * 'end' or 'none'), update(state) on every change of the live state, and
 * info() answers the latest GET /api/p. The message draft is kept under
 * the participant's ID, never their token: the device's storage outlives
 * the link.
 */
export function careLayer({ info }) {
  const bar = $('#care-bar');
  const supportButton = $('#support-open');
  const messagesButton = $('#messages-open');
  const unreadBadge = $('#messages-unread');
  const supportState = $('#support-state');
  const supportSheet = $('#support-sheet');
  const crisisSheet = $('#crisis-sheet');
  const messagesSheet = $('#messages-sheet');
  const messageText = $('#message-text');
  const messageCount = $('#message-count');
  const messageError = $('#message-error');
  const draftKey = () => {
    const i = info();
    return i && i.participant && i.participant.id ? `${DRAFT_PREFIX}${i.participant.id}.message` : null;
  };
  const keepDraft = (text) => {
    const key = draftKey();
    if (!key) return;
    if (text) storage.set(key, { values: { text }, savedAt: Date.now() });
    else storage.remove(key);
  };

  // The page keeps clear of the bar, whatever its height (care.css).
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      document.documentElement.style.setProperty('--care-bar-height', `${bar.offsetHeight}px`);
    }).observe(bar);
  }

  let where = 'none';
  let live = null;
  let state = null;
  let lastSupport = null; // for announcing what changed
  let lastHold = null;
  let seenN = -1; // the newest message this page has drawn (-1: none drawn yet)
  let readSent = 0; // the highest read mark sent from this page

  // --- sheets ---------------------------------------------------------------

  const openers = new Map();
  function openSheet(sheet, opener) {
    openers.set(sheet, opener || document.activeElement);
    if (!sheet.open) sheet.showModal();
    paint();
  }
  for (const sheet of [supportSheet, crisisSheet, messagesSheet]) {
    sheet.addEventListener('click', (ev) => {
      // A tap on the backdrop (the dialog itself, outside its content) closes it.
      if (ev.target === sheet) sheet.close();
      else if (ev.target.closest('[data-close]')) sheet.close();
    });
    sheet.addEventListener('close', () => {
      const opener = openers.get(sheet);
      openers.delete(sheet);
      if (sheet === supportSheet) $('#support-crisis').hidden = true;
      if (opener && opener.isConnected && !opener.closest('[hidden]')) opener.focus();
    });
  }
  supportButton.addEventListener('click', () => openSheet(supportSheet, supportButton));
  $('#crisis-open').addEventListener('click', () => openSheet(crisisSheet, $('#crisis-open')));
  messagesButton.addEventListener('click', () => {
    openSheet(messagesSheet, messagesButton);
    markRead();
    window.setTimeout(() => {
      const list = $('#messages-list');
      list.scrollTop = list.scrollHeight;
    }, 0);
  });
  $('#support-show-crisis').addEventListener('click', () => {
    showSupportCrisis();
    $('#support-crisis').focus();
  });

  function showSupportCrisis() {
    const box = $('#support-crisis');
    fill(box, h('h3', { id: 'support-crisis-heading' }, 'Support lines'), crisisNodes(info(), 'support-crisis'));
    box.setAttribute('tabindex', '-1');
    box.setAttribute('role', 'region');
    box.setAttribute('aria-labelledby', 'support-crisis-heading');
    box.hidden = false;
  }

  // --- the support signal ------------------------------------------------

  function inRoom() {
    return where === 'room' && live && state && state.room && state.connection !== 'stopped';
  }

  function mySignal() {
    return state && state.room && state.room.support && typeof state.room.support === 'object' ? state.room.support : null;
  }

  function ackName(signal) {
    if (!signal || !signal.ackedAt) return '';
    if (typeof signal.ackedByName === 'string' && signal.ackedByName) return signal.ackedByName;
    const members = (state.room && state.room.members) || [];
    const by = members.find((m) => m.id === signal.ackedBy);
    return by && by.name ? by.name : '';
  }

  function supportWords(signal) {
    if (!signal) return '';
    if (signal.ackedAt) {
      const name = ackName(signal);
      return name ? `${name} sees you.` : 'Your facilitator sees you.';
    }
    return signal.level === 'now'
      ? 'Your facilitators know you need someone now.'
      : 'Your facilitators know you need a moment.';
  }

  function raise(level) {
    if (!inRoom()) return;
    setText($('#support-error'), '');
    if (level === 'now') showSupportCrisis();
    live.send('support.raise', { level }).then(() => {
      announce(level === 'now' ? 'Your facilitators know you need someone now.' : 'Your facilitators know you need a moment.');
    }, (err) => {
      if (err.code !== 'closed') setText($('#support-error'), err.message || 'The signal did not go through. Please try again.');
      paint();
    });
    paint();
  }
  $('#support-moment').addEventListener('click', () => raise('moment'));
  $('#support-now').addEventListener('click', () => raise('now'));
  $('#support-withdraw').addEventListener('click', () => {
    if (!inRoom()) return;
    setText($('#support-error'), '');
    live.send('support.withdraw', {}).then(() => {
      announce('Your signal is withdrawn.');
      $('#support-moment').focus();
    }, (err) => {
      if (err.code !== 'closed') setText($('#support-error'), err.message || 'That did not go through. Please try again.');
    });
    paint();
  });

  function paintSupport() {
    const room = inRoom();
    const signal = room ? mySignal() : null;
    const pendingRaise = room ? live.pending('support.raise') : [];
    const pendingWithdraw = room ? live.pending('support.withdraw') : [];
    let words = supportWords(signal);
    if (pendingWithdraw.length) words = '';
    else if (pendingRaise.length) {
      words = state.connection === 'open'
        ? 'Sending your signal…'
        : 'Your signal will reach your facilitators as soon as the connection is back.';
    }
    setText(supportState, words);
    supportState.hidden = !words;
    bar.dataset.signal = signal && !pendingWithdraw.length ? (signal.ackedAt ? 'seen' : 'raised') : '';

    const sheetState = $('#support-sheet-state');
    setText(sheetState, words);
    sheetState.hidden = !words;
    $('#support-choices').hidden = !room;
    $('#support-closed').hidden = room;
    const level = signal && !pendingWithdraw.length ? signal.level : (pendingRaise.length ? pendingRaise[pendingRaise.length - 1].data.level : '');
    for (const b of [$('#support-moment'), $('#support-now')]) {
      b.setAttribute('aria-pressed', b.dataset.level === level ? 'true' : 'false');
    }
    $('#support-withdraw').hidden = !(room && (signal || pendingRaise.length) && !pendingWithdraw.length);

    // Say what the facilitators did, once, wherever the focus is.
    const key = signal ? `${signal.level}:${signal.at}:${signal.ackedAt || 0}` : '';
    if (lastSupport !== null && key !== lastSupport && signal && signal.ackedAt) announce(supportWords(signal));
    lastSupport = key;
  }

  // --- the thread ------------------------------------------------------------

  function thread() {
    const t = state && state.room && state.room.thread;
    return t && typeof t === 'object' ? t : { messages: [], readByFacilitators: 0, readByParticipant: 0 };
  }

  function messages() {
    const t = thread();
    return Array.isArray(t.messages) ? t.messages : [];
  }

  function youId() {
    return state && state.you ? state.you.id : '';
  }

  function unreadCount() {
    const t = thread();
    const read = Math.max(Number(t.readByParticipant) || 0, readSent);
    return messages().filter((m) => m.from !== youId() && m.n > read).length;
  }

  function markRead() {
    if (!inRoom() || !messagesSheet.open || document.visibilityState === 'hidden') return;
    const list = messages();
    if (list.length === 0) return;
    const last = list[list.length - 1].n;
    const read = Number(thread().readByParticipant) || 0;
    if (last <= read || last <= readSent) return;
    readSent = last;
    live.send('message.read', { n: last }).catch(() => {
      readSent = Math.min(readSent, read);
    });
  }
  document.addEventListener('visibilitychange', () => {
    markRead();
    paint();
  });

  function messageItem(m, seenUpTo) {
    const mine = m.from === youId();
    const who = mine ? 'You' : (m.fromName || 'Your facilitator');
    return h('li', { class: mine ? 'msg mine' : 'msg theirs', dataset: { n: m.n, from: mine ? 'me' : 'them' } },
      h('p', { class: 'msg-head' },
        h('span', { class: 'msg-who' }, who),
        m.at ? h('span', { class: 'msg-at' }, ` · ${formatTime(m.at)}`) : null),
      h('p', { class: 'msg-text preserve' }, m.text || ''),
      mine && m.n <= seenUpTo ? h('p', { class: 'msg-seen' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Seen') : null);
  }

  function paintThread() {
    const room = inRoom();
    messagesButton.hidden = !room;
    if (!room) {
      unreadBadge.hidden = true;
      if (messagesSheet.open) messagesSheet.close();
      return;
    }
    const list = messages();
    const t = thread();
    const seenUpTo = Number(t.readByFacilitators) || 0;
    const pending = live.pending('message.send');
    const items = list.map((m) => messageItem(m, seenUpTo));
    for (const p of pending) {
      items.push(h('li', { class: 'msg mine pending', dataset: { pending: p.id } },
        h('p', { class: 'msg-head' }, h('span', { class: 'msg-who' }, 'You')),
        h('p', { class: 'msg-text preserve' }, (p.data && p.data.text) || ''),
        h('p', { class: 'msg-seen' }, state.connection === 'open'
          ? 'Sending…' : 'Kept on this device; it will be sent when the connection is back.')));
    }
    const listEl = $('#messages-list');
    const key = JSON.stringify([list.map((m) => [m.n, m.n <= seenUpTo]), pending.map((p) => p.id), state.connection === 'open']);
    if (listEl.dataset.key !== key) {
      const atBottom = listEl.scrollHeight - listEl.scrollTop - listEl.clientHeight < 40;
      listEl.dataset.key = key;
      fill(listEl, ...items);
      if (atBottom) listEl.scrollTop = listEl.scrollHeight;
    }
    $('#messages-empty').hidden = items.length > 0;

    const unread = unreadCount();
    setText(unreadBadge, unread ? ` ${unread} unread` : '');
    unreadBadge.hidden = unread === 0;
    messagesButton.dataset.unread = String(unread);

    const newest = list.length ? list[list.length - 1].n : 0;
    if (seenN >= 0 && newest > seenN) {
      const fresh = list.filter((m) => m.n > seenN && m.from !== youId());
      if (fresh.length && !(messagesSheet.open && document.visibilityState === 'visible')) {
        const last = fresh[fresh.length - 1];
        announce(`New message from ${last.fromName || 'your facilitator'}.`);
      }
    }
    seenN = newest;
    markRead();
  }

  function countWords() {
    const n = [...messageText.value].length;
    setText(messageCount, `${n} of ${MESSAGE_MAX} characters`);
    messageCount.dataset.near = n > MESSAGE_MAX - 50 ? 'true' : 'false';
  }
  // The draft is known once the page knows whose it is (info()).
  let draftRestored = false;
  function restoreDraft() {
    const key = draftKey();
    if (draftRestored || !key) return;
    draftRestored = true;
    const draft = storage.get(key);
    if (!messageText.value && draft && draft.values && typeof draft.values.text === 'string') messageText.value = draft.values.text;
    countWords();
  }
  countWords();
  messageText.addEventListener('input', () => {
    setText(messageError, '');
    countWords();
    keepDraft(messageText.value);
  });
  $('#message-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = messageText.value.trim();
    if (!text) {
      setText(messageError, 'Please write a message first.');
      messageText.focus();
      return;
    }
    if ([...text].length > MESSAGE_MAX) {
      setText(messageError, `A message can be at most ${MESSAGE_MAX} characters.`);
      messageText.focus();
      return;
    }
    if (!inRoom()) {
      setText(messageError, 'The room is not open, so the message cannot be sent.');
      return;
    }
    setText(messageError, '');
    // The outbox keeps it from here on (and shows it in the thread as
    // sending), so the field is free for the next one.
    messageText.value = '';
    keepDraft('');
    countWords();
    live.send('message.send', { text }).then(() => {
      announce('Message sent.');
    }, (err) => {
      // Nothing is lost: a refused message goes back into the field if it is free.
      if (!messageText.value) {
        messageText.value = text;
        keepDraft(text);
        countWords();
      }
      setText(messageError, err.message || 'The message could not be sent.');
    }).finally(paint);
    paint();
    messageText.focus();
  });

  // --- the hold ----------------------------------------------------------------

  const holdEl = $('#hold');
  const pacer = $('#hold-pacer');
  const pacerToggle = $('#hold-pacer-toggle');
  function paintPacer() {
    const on = storage.get(PACER_KEY) !== false;
    pacer.hidden = !on;
    pacerToggle.setAttribute('aria-expanded', on ? 'true' : 'false');
    setText(pacerToggle, on ? 'Hide the breathing guide' : 'Show a breathing guide');
  }
  pacerToggle.addEventListener('click', () => {
    storage.set(PACER_KEY, pacer.hidden);
    paintPacer();
  });
  paintPacer();

  function paintHold() {
    const hold = inRoom() ? state.room.hold : null;
    const paused = Boolean(hold && hold.paused);
    const away = Boolean(hold && hold.facilitatorAway);
    const frozen = paused || away;
    const key = away ? 'away' : paused ? 'paused' : '';
    if (frozen) {
      setText($('#hold-heading'), away ? 'Your facilitator is reconnecting' : 'The group is taking a pause');
      setText($('#hold-text'), away
        ? 'Nothing will move on without them. You can stay here; this page changes by itself when they are back.'
        : 'Nothing moves on until your facilitator resumes. This time is yours: breathe, stretch, or simply rest.');
    }
    holdEl.dataset.hold = key;
    // The pause is a screen of its own: the activity is put out of sight
    // (not taken down: its clocks stand still on live.roomNow(), and what
    // is being written in it is kept for when the group goes on).
    $('#activity').hidden = frozen;
    if (holdEl.hidden === frozen) {
      holdEl.hidden = !frozen;
      if (frozen && holdEl.getBoundingClientRect().top < 0) holdEl.scrollIntoView({ block: 'start' });
    }
    if (lastHold !== null && key !== lastHold) {
      if (away) announce('Your facilitator is reconnecting. Nothing will move on without them.');
      else if (paused) announce('The group is taking a pause.');
      else announce(lastHold === 'away' ? 'Your facilitator is back.' : 'The pause is over.');
    }
    lastHold = inRoom() ? key : null;
  }

  // --- the whole -------------------------------------------------------------

  function paint() {
    bar.hidden = where === 'none' || !info();
    document.body.classList.toggle('with-care-bar', !bar.hidden);
    if (state) {
      paintSupport();
      paintThread();
      paintHold();
    } else {
      paintSupport();
      messagesButton.hidden = true;
    }
    if (crisisSheet.open || where === 'end') fill($('#crisis-text'), crisisNodes(info(), 'crisis'));
  }

  return {
    /** place says which screen the page shows, and its live connection (or null). */
    place(next, nextLive) {
      restoreDraft();
      if (nextLive !== live) {
        live = nextLive;
        state = live ? live.state : null;
        lastSupport = null;
        lastHold = null;
        seenN = -1;
        readSent = 0;
      }
      where = next;
      if (where !== 'room') {
        if (supportSheet.open && where === 'none') supportSheet.close();
        holdEl.hidden = true;
      }
      paint();
    },
    /** update repaints from the live state. */
    update(next) {
      state = next;
      paint();
    },
    /** openCrisis opens the support lines. */
    openCrisis() {
      fill($('#crisis-text'), crisisNodes(info(), 'crisis'));
      openSheet(crisisSheet, document.activeElement);
    },
  };
}
