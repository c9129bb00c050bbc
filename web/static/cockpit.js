// cockpit.js — the care layer of the facilitator's live room
// (docs/protocol.md, "Care in the room"): the alerts pinned above everything
// (support signals, flags, a holder of the talking piece whose connection
// dropped, people at the door), their chime and the tab's title; the people
// column with each person's state, marks, private thread and note; the door;
// the pause. console-room.js lays these out and feeds them the room.
//
// Everything here is drawn in place (keyed by member), never rebuilt whole:
// a facilitator may be typing a message or pressing a button while the room
// changes around them, and the focus and the words must stay where they are.

import { api, enc } from './api.js';
import {
  h, setText, fill, formError, busy, storage, stateBadge, STATES, formatTime, announce, keepFocus,
} from './dom.js';

const CHIME_KEY = 'hearth.cockpit.chime';
const MESSAGE_MAX = 500;

/** PRESENCE_WORDS are the presences a facilitator sees, with a shape so colour is never the only signal. */
const PRESENCE_WORDS = {
  present: { label: 'Present', icon: '●' },
  reconnecting: { label: 'Reconnecting', icon: '◐' },
  left: { label: 'Left', icon: '○' },
  absent: { label: 'Not come yet', icon: '–' },
  waiting: { label: 'Waiting at the door', icon: '◔' },
  removed: { label: 'Stepped out (removed)', icon: '⊘' },
};

// In a row, "present" is the shape alone (its words for screen readers):
// the other presences are the exceptions worth reading.
function presenceWords(presence) {
  const info = PRESENCE_WORDS[presence] || { label: presence || 'Unknown', icon: '?' };
  return h('span', { class: `presence presence-${presence}`, title: info.label },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, info.icon), ' ',
    h('span', { class: presence === 'present' ? 'visually-hidden' : null }, info.label));
}

const SHORT_STATES = { hypo: 'Hypo', within: 'Within', hyper: 'Hyper' };

/** stateMark is a person's window-of-tolerance state, short on the screen and whole for screen readers. */
function stateMark(state) {
  const info = STATES[state];
  if (!info) return null;
  return h('span', { class: `badge state state-${state}`, title: `${info.label}: ${info.plain}` },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, info.icon),
    h('span', { 'aria-hidden': 'true' }, ` ${SHORT_STATES[state]}`),
    h('span', { class: 'visually-hidden' }, info.label));
}

/**
 * dropped tells whether the focus was lost (on <body>) or is still within
 * the place an action started from: only then may the answer move it.
 * A facilitator who has gone on to type elsewhere keeps their place.
 */
function dropped(within) {
  const active = document.activeElement;
  return !active || active === document.body || (within && within.contains(active));
}

/** nameOf is a member's name from the roster, or '' when they are not on it. */
export function nameOf(room, id) {
  const m = (room.members || []).find((x) => x.id === id);
  return m ? m.name || '' : '';
}

/** sinceWords says how long ago a server time was: "since 18:04 (3 min)". */
function sinceWords(at, now) {
  if (!at) return '';
  const minutes = Math.max(0, Math.floor((now - at) / 60000));
  const ago = minutes === 0 ? 'just now' : `${minutes} min ago`;
  return `since ${formatTime(at)} (${ago})`;
}

// --- the chime -------------------------------------------------------------------

/**
 * chime is the alerts' sound: two soft, short sine tones made on the spot
 * (no file to fetch), which the facilitator can turn off; the choice is kept
 * in localStorage. A browser plays sound only after the page was touched;
 * play() is quiet until then, and the visual alert is always there.
 */
export function chime() {
  const saved = storage.get(CHIME_KEY);
  const toggle = h('input', { type: 'checkbox', id: 'chime-toggle', checked: saved !== false });
  const label = h('label', { class: 'checkbox chime-toggle', for: toggle.id }, toggle, 'Sound for alerts');
  let ctx = null;
  toggle.addEventListener('change', () => {
    storage.set(CHIME_KEY, toggle.checked);
    if (toggle.checked) play();
  });
  function context() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    ctx = ctx || new Ctx();
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    return ctx;
  }
  function play() {
    if (!toggle.checked) return;
    try {
      const c = context();
      if (!c) return;
      const t = c.currentTime;
      for (const [freq, delay] of [[660, 0], [880, 0.18]]) {
        const osc = c.createOscillator();
        const gain = c.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t + delay);
        gain.gain.exponentialRampToValueAtTime(0.08, t + delay + 0.04);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + delay + 0.6);
        osc.connect(gain).connect(c.destination);
        osc.start(t + delay);
        osc.stop(t + delay + 0.65);
      }
    } catch {
      // no sound: the alert is on the screen all the same
    }
  }
  // Any press in the page readies the sound for later.
  const ready = () => {
    if (toggle.checked) {
      try { context(); } catch { /* no sound */ }
    }
  };
  document.addEventListener('pointerdown', ready, { once: true });
  return {
    root: label,
    play,
    destroy() {
      document.removeEventListener('pointerdown', ready);
      if (ctx) ctx.close().catch(() => {});
    },
  };
}

// --- threads -----------------------------------------------------------------------

/**
 * threadStore keeps every private thread the facilitator may read: the
 * snapshot carries them all (`threads`), an event the one that changed
 * (`thread`), which live.js leaves in room.thread.
 */
export function threadStore() {
  const threads = new Map(); // participant ID → thread
  return {
    take(state, note) {
      const room = state.room;
      if (!room) return;
      if (!note || note.kind === 'snapshot' || threads.size === 0) {
        threads.clear();
        for (const t of Array.isArray(room.threads) ? room.threads : []) if (t && t.with) threads.set(t.with, t);
      }
      if (note && note.kind === 'event' && note.event && note.event.thread && note.event.thread.with) {
        threads.set(note.event.thread.with, note.event.thread);
      }
    },
    get: (id) => threads.get(id) || null,
    unread(id) {
      const t = threads.get(id);
      if (!t || !Array.isArray(t.messages)) return 0;
      const read = t.readByFacilitators || 0;
      return t.messages.filter((m) => m.n > read && m.fromRole !== 'facilitator').length;
    },
    total() {
      let n = 0;
      for (const id of threads.keys()) n += this.unread(id);
      return n;
    },
  };
}

// --- notes ---------------------------------------------------------------------------

/**
 * notesBook saves the facilitators' private notes about this session and
 * about each person in it, through the cohort's notes (POST, then PATCH
 * the same note). The cohort is found from the session; notes written
 * before a reload are found again by what they are about.
 */
export function notesBook(sessionId) {
  let cohortId = '';
  let loaded = null;
  async function cohort() {
    if (cohortId) return cohortId;
    const map = storage.get('hearth.sessionCohorts') || {};
    if (map[sessionId]) {
      cohortId = map[sessionId];
      return cohortId;
    }
    const data = await api('GET', '/api/cohorts');
    const c = ((data && data.cohorts) || []).find((x) => x.liveSessionId === sessionId);
    if (!c) throw new Error('The cohort of this session could not be found.');
    cohortId = c.id;
    return cohortId;
  }
  async function load() {
    if (!loaded) {
      loaded = (async () => {
        const id = await cohort();
        const data = await api('GET', `/api/cohorts/${enc(id)}/notes`);
        return ((data && data.notes) || []).filter((n) => n.mine && n.sessionId === sessionId);
      })();
      loaded.catch(() => { loaded = null; });
    }
    return loaded;
  }
  return {
    /** find returns my note about this session and participantId ('' for the session itself), or null. */
    async find(participantId) {
      const notes = await load();
      return notes.find((n) => (n.participantId || '') === participantId) || null;
    },
    /** save writes text as my note about participantId ('' for the session); returns the note, or null once removed. */
    async save(participantId, text) {
      const notes = await load();
      const index = notes.findIndex((n) => (n.participantId || '') === participantId);
      const existing = index >= 0 ? notes[index] : null;
      if (!text) {
        if (existing) {
          await api('DELETE', `/api/notes/${enc(existing.id)}`);
          notes.splice(index, 1);
        }
        return null;
      }
      let note;
      if (existing) {
        note = await api('PATCH', `/api/notes/${enc(existing.id)}`, { text });
        notes[index] = note;
      } else {
        const body = { sessionId, text };
        if (participantId) body.participantId = participantId;
        note = await api('POST', `/api/cohorts/${enc(await cohort())}/notes`, body);
        notes.push(note);
      }
      return note;
    },
  };
}

/**
 * noteBox is one private note (about the session, or a person in it): a
 * text box, "Save note" and what became of it ("Saved at 18:04").
 */
export function noteBox({ book, participantId, id, label, hint }) {
  const text = h('textarea', { id, rows: 3, maxlength: 5000, 'aria-describedby': `${id}-hint` });
  const save = h('button', { type: 'submit', id: `${id}-save` }, 'Save note');
  const status = h('p', { class: 'save-status', id: `${id}-status`, role: 'status' });
  const error = formError(`${id}-error`);
  const form = h('form', { class: 'note-box', id: `${id}-form`, novalidate: true },
    h('label', { for: id }, label),
    h('p', { class: 'hint', id: `${id}-hint` }, hint),
    text, error,
    h('div', { class: 'save-row' }, save, status));
  let saved = '';
  let started = false;
  text.addEventListener('input', () => {
    const dirty = text.value.trim() !== saved;
    status.dataset.kind = dirty ? 'dirty' : 'saved';
    setText(status, dirty ? 'Not saved yet' : (saved ? 'Saved' : ''));
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    const value = text.value.trim();
    busy(save, async () => {
      try {
        const note = await book.save(participantId, value);
        saved = note ? note.text : '';
        status.dataset.kind = 'saved';
        setText(status, note ? `Saved at ${formatTime(Date.now())}` : 'Note removed');
      } catch (err) {
        setText(error, err.message);
      }
    }).then(() => { if (dropped(form)) save.focus({ preventScroll: true }); });
  });
  return {
    root: form,
    text,
    // start reads the note already written, once: the box is shown.
    start() {
      if (started) return;
      started = true;
      book.find(participantId).then((note) => {
        if (!note) return;
        saved = note.text || '';
        if (!text.value) text.value = saved;
        status.dataset.kind = 'saved';
        setText(status, 'Saved');
      }, () => {});
    },
  };
}

// --- alerts ---------------------------------------------------------------------------

/**
 * alertsPanel is what the facilitator must not miss, pinned above the room:
 * open support signals (with "I see you" and "Done"), flags, the holder of
 * the talking piece whose connection dropped, and people waiting at the
 * door. New alerts chime, are announced assertively and name themselves in
 * the tab's title. onFocusAway() moves the focus on when the last alert
 * the focus was in goes away.
 *
 * Hooks: #alerts > li.alert[data-alert="support"|"flag"|"away"|"door"]
 * [data-member-id]; buttons [data-alert-action="ack"|"clear"|"message"|
 * "wait"|"next"|"give"|"admit-all"]; #alert-announce.
 */
export function alertsPanel({ live, people, sound, onFocusAway }) {
  const list = h('ul', { class: 'plain alert-list' });
  const heading = h('h2', { id: 'alerts-heading', class: 'visually-hidden' }, 'Alerts');
  const root = h('section', { id: 'alerts', class: 'alerts', 'aria-labelledby': 'alerts-heading', hidden: true },
    heading, list);
  // An assertive region of its own: a support signal must interrupt.
  const speaker = h('div', { id: 'alert-announce', class: 'visually-hidden', 'aria-live': 'assertive', 'aria-atomic': 'true' });
  const cards = new Map(); // key → {li, update(room)}
  const heard = new Set(); // alert versions already chimed and said
  const waitedFor = new Set(); // away alerts the facilitator chose to wait on
  let tick = null;
  let lastRoom = null;

  function say(text) {
    setText(speaker, '');
    window.setTimeout(() => setText(speaker, text), 60);
  }

  function button(action, text, extraLabel, cls) {
    return h('button', { type: 'button', class: cls || null, dataset: { alertAction: action } },
      text, extraLabel ? h('span', { class: 'visually-hidden' }, ` ${extraLabel}`) : null);
  }

  function send(btn, type, data, then) {
    return busy(btn, () => live.send(type, data)).then(then, (err) => {
      const card = btn.closest('li.alert');
      const error = card && card.querySelector('.form-error');
      if (error) setText(error, err.message);
    });
  }

  // focusNextAlert gives the focus to the first button of the first alert
  // still there, or to the live activity when none is.
  function focusNextAlert() {
    if (!dropped(root)) return;
    const next = list.querySelector('li.alert button:not([hidden]):not(:disabled)');
    if (next) next.focus();
    else onFocusAway();
  }

  function supportCard(memberId) {
    const title = h('h3');
    const detail = h('p', { class: 'alert-detail' });
    const state = h('p', { class: 'alert-state' });
    const answered = h('p', { class: 'alert-answered' });
    const error = formError(null);
    const ack = button('ack', 'I see you', '');
    const message = button('message', 'Message', '');
    const clear = button('clear', 'Done', '', 'primary');
    const li = h('li', { class: 'alert alert-support', dataset: { alert: 'support', memberId } },
      h('div', { class: 'alert-body' }, title, detail, state, answered, error),
      h('div', { class: 'alert-actions' }, ack, message, clear));
    ack.addEventListener('click', () => send(ack, 'support.ack', { memberId }, () => {
      announce(`${nameOf(lastRoom, memberId)} sees that you have seen them.`);
      if (dropped(li)) clear.focus();
    }));
    clear.addEventListener('click', () => {
      const hadFocus = li.contains(document.activeElement) || document.activeElement === document.body;
      send(clear, 'support.clear', { memberId }, () => {
        announce(`The alert for ${nameOf(lastRoom, memberId)} is closed.`);
        if (hadFocus || !li.isConnected) window.setTimeout(focusNextAlert, 0);
      });
    });
    message.addEventListener('click', () => people.openThread(memberId));
    return {
      li,
      update(room, s, now) {
        const name = s.name || nameOf(room, memberId) || 'Someone';
        li.dataset.level = s.level;
        setText(title, s.level === 'now' ? `${name} needs support now` : `${name} asks for a moment of support`);
        setText(detail, `${s.level === 'now' ? 'Support now' : 'A moment'} · ${sinceWords(s.at, now)}`);
        const p = people.stateOf(memberId);
        fill(state, p && p.state
          ? ['Latest check-in: ', stateBadge(p.state), ` ${STATES[p.state].plain}`]
          : 'No check-in from them yet this session.');
        if (s.ackedAt) {
          const who = s.ackedByName || nameOf(room, s.ackedBy) || 'A facilitator';
          setText(answered, `${who} answered “I see you” at ${formatTime(s.ackedAt)}.`);
        } else setText(answered, 'Not answered yet.');
        ack.hidden = Boolean(s.ackedAt);
        for (const [b, what] of [[ack, `to ${name}`], [message, name], [clear, `: close ${name}’s alert`]]) {
          setText(b.querySelector('.visually-hidden'), ` ${what}`);
        }
      },
    };
  }

  function flagCard(memberId, reason) {
    const title = h('h3');
    const detail = h('p', { class: 'alert-detail' });
    const error = formError(null);
    const message = button('message', 'Message', '');
    const clear = button('clear', 'Done', '', 'primary');
    const li = h('li', { class: 'alert alert-flag', dataset: { alert: 'flag', memberId, reason } },
      h('div', { class: 'alert-body' }, title, detail, error),
      h('div', { class: 'alert-actions' }, message, clear));
    message.addEventListener('click', () => people.openThread(memberId));
    clear.addEventListener('click', () => send(clear, 'support.clear', { memberId }, () => window.setTimeout(focusNextAlert, 0)));
    return {
      li,
      update(room, f, now) {
        const name = f.name || nameOf(room, memberId) || 'Someone';
        setText(title, reason === 'dropped-while-sharing'
          ? `${name}’s connection dropped while they were sharing`
          : `${name}’s connection dropped soon after they asked for support`);
        const since = sinceWords(f.at, now);
        setText(detail, `${since.charAt(0).toUpperCase()}${since.slice(1)}. Someone may want to reach them outside the room.`);
        setText(message.querySelector('.visually-hidden'), ` ${name}`);
        setText(clear.querySelector('.visually-hidden'), `: close the alert about ${name}`);
      },
    };
  }

  function awayCard(key) {
    const title = h('h3');
    const detail = h('p', { class: 'alert-detail' }, 'The piece waits for them until you choose.');
    const error = formError(null);
    const wait = button('wait', 'Wait for them');
    const next = button('next', 'Give the piece on', '', 'primary');
    const pick = h('select', { id: `away-give-${key.replace(/[^a-z0-9-]/gi, '')}` });
    const give = button('give', 'Give');
    const pickRow = h('span', { class: 'inline-pick' },
      h('label', { for: pick.id }, 'Give to…'), pick, give);
    const li = h('li', { class: 'alert alert-away', dataset: { alert: 'away' } },
      h('div', { class: 'alert-body' }, title, detail, error),
      h('div', { class: 'alert-actions' }, wait, next, pickRow));
    wait.addEventListener('click', () => {
      waitedFor.add(key);
      announce('The piece waits for them.');
      if (lastRoom) render(lastRoom);
      window.setTimeout(focusNextAlert, 0);
    });
    next.addEventListener('click', () => send(next, 'circle.next', {}, () => window.setTimeout(focusNextAlert, 0)));
    give.addEventListener('click', () => {
      if (pick.value) send(give, 'circle.give', { memberId: pick.value }, () => window.setTimeout(focusNextAlert, 0));
    });
    return {
      li,
      update(room, a) {
        const holder = a.holder;
        li.dataset.memberId = holder.memberId;
        setText(title, `${holder.name}’s connection dropped while holding the piece. Their time has stopped.`);
        const queue = Array.isArray(a.queue) ? a.queue : [];
        const nextPerson = queue.find((q) => q.memberId === a.next && !q.away);
        next.hidden = !nextPerson;
        if (nextPerson) {
          fill(next, `Give the piece to ${nextPerson.name}`);
          next.title = `${holder.name} comes back to it at the end of the line.`;
        }
        const here = (room.members || []).filter((m) => m.role === 'participant' && m.presence === 'present' && m.id !== holder.memberId);
        const chosen = pick.value;
        keepFocus(() => fill(pick, here.map((m) => h('option', { value: m.id }, m.name))));
        if (here.some((m) => m.id === chosen)) pick.value = chosen;
        pickRow.hidden = here.length === 0;
      },
    };
  }

  function doorCard() {
    const title = h('h3');
    const detail = h('p', { class: 'alert-detail' });
    const error = formError(null);
    const all = button('admit-all', 'Let everyone in', '', 'primary');
    const li = h('li', { class: 'alert alert-door', dataset: { alert: 'door' } },
      h('div', { class: 'alert-body' }, title, detail, error),
      h('div', { class: 'alert-actions' }, all));
    all.addEventListener('click', () => send(all, 'door.admit', { all: true }, () => window.setTimeout(focusNextAlert, 0)));
    return {
      li,
      update(room, waiting) {
        setText(title, waiting.length === 1 ? `${waiting[0].name} is waiting at the door` : `${waiting.length} people are waiting at the door`);
        setText(detail, waiting.length === 1 ? 'Let them in here, or from the people list.' : `${waiting.map((m) => m.name).join(', ')}. Let each in from the people list, or everyone at once.`);
        fill(all, waiting.length === 1 ? `Let ${waiting[0].name} in` : 'Let everyone in');
      },
    };
  }

  // wanted lists the alerts the room calls for now, most urgent first.
  function wanted(room) {
    const out = [];
    const support = Array.isArray(room.support) ? room.support : [];
    for (const s of [...support].sort((a, b) => (a.level === 'now' ? 0 : 1) - (b.level === 'now' ? 0 : 1) || a.at - b.at)) {
      out.push({ key: `support:${s.memberId}`, make: () => supportCard(s.memberId), data: s, chime: `s:${s.memberId}:${s.level}:${s.at}`, says: `${s.name || nameOf(room, s.memberId)} ${s.level === 'now' ? 'needs support now' : 'asks for a moment of support'}.` });
    }
    for (const f of Array.isArray(room.flags) ? room.flags : []) {
      out.push({ key: `flag:${f.memberId}:${f.reason}`, make: () => flagCard(f.memberId, f.reason), data: f, chime: `f:${f.memberId}:${f.reason}:${f.at}`, says: `${f.name || nameOf(room, f.memberId)}’s connection dropped.` });
    }
    const a = room.activity;
    if (a && a.kind === 'circle' && a.holder && a.holder.away) {
      const key = `away:${a.id}:${a.holder.n}`;
      if (!waitedFor.has(key)) {
        out.push({ key, make: () => awayCard(key), data: a, chime: key, says: `${a.holder.name}’s connection dropped while holding the piece.` });
      }
    }
    const waiting = (room.members || []).filter((m) => m.role === 'participant' && m.presence === 'waiting');
    if (waiting.length) {
      out.push({ key: 'door', make: doorCard, data: waiting, chime: '', says: '' });
    }
    return out;
  }

  function render(room) {
    lastRoom = room;
    const now = live.serverNow();
    const want = wanted(room);
    const keys = new Set(want.map((w) => w.key));
    const focusWasIn = list.contains(document.activeElement);
    for (const [key, card] of cards) {
      if (!keys.has(key)) {
        card.li.remove();
        cards.delete(key);
      }
    }
    keepFocus(() => {
      want.forEach((w, i) => {
        let card = cards.get(w.key);
        if (!card) {
          card = w.make();
          cards.set(w.key, card);
        }
        card.update(room, w.data, now);
        if (list.children[i] !== card.li) list.insertBefore(card.li, list.children[i] || null);
      });
    });
    const fresh = want.filter((w) => w.chime && !heard.has(w.chime));
    for (const w of fresh) heard.add(w.chime);
    root.hidden = want.length === 0;
    if (fresh.length) {
      sound.play();
      say(fresh.map((w) => w.says).join(' '));
    }
    if (focusWasIn && !list.contains(document.activeElement)) focusNextAlert();
  }

  // The "since" words age with the clock.
  tick = window.setInterval(() => { if (lastRoom && !root.hidden) render(lastRoom); }, 30000);

  return {
    root,
    speaker,
    render,
    /** titleWords is the tab title's prefix while signals are open: "(1) Support: Kim", or ''. */
    titleWords(room) {
      const support = Array.isArray(room.support) ? room.support : [];
      if (!support.length) return '';
      return `(${support.length}) Support: ${support.map((s) => s.name || nameOf(room, s.memberId)).join(', ')}`;
    },
    destroy() { window.clearInterval(tick); },
  };
}

// --- the people column -------------------------------------------------------------------

/**
 * peoplePanel is everyone on the roster, facilitators first: presence, the
 * latest window-of-tolerance state, marks (missed the check-in, a support
 * signal, unread messages, the activity's own), and for each participant
 * a panel opened from their row: the private thread, a private note, and
 * "Remove from this session" (or "Let back in").
 *
 * Hooks: #members > li[data-member-id][data-presence][data-role];
 * button.person-open[aria-expanded]; #person-{id} (the panel) with
 * #thread-{id}, #message-{id} (the composer), #pnote-live-{id} (the note);
 * button[data-person-action="admit"|"remove"|"close"]; #unread-total.
 */
export function peoplePanel({ live, threads, book, marksOf, onAction }) {
  const heading = h('h2', { id: 'members-heading' }, 'People');
  const summary = h('p', { class: 'muted small people-summary' });
  const unreadTotal = h('p', { id: 'unread-total', class: 'unread-total', hidden: true });
  const list = h('ul', { id: 'members', class: 'plain members people' });
  const root = h('section', { id: 'people', class: 'panel people-panel', 'aria-labelledby': 'members-heading' },
    h('div', { class: 'row-head' }, heading, unreadTotal), summary, list);
  const rows = new Map(); // member ID → row
  let room = null;
  let you = null;
  let peopleById = new Map();

  function row(m) {
    const li = h('li', { dataset: { memberId: m.id } });
    const isParticipant = m.role !== 'facilitator';
    const panelId = `person-${m.id}`;
    const name = h('span', { class: 'name' });
    const open = isParticipant ? h('button', {
      type: 'button', class: 'person-open link', 'aria-expanded': 'false', 'aria-controls': panelId,
    }, name) : null;
    const marks = h('span', { class: 'marks' });
    const presence = h('span', { class: 'presence-slot' });
    const admit = isParticipant ? h('button', { type: 'button', class: 'small primary', dataset: { personAction: 'admit' }, hidden: true }, 'Let in') : null;
    const line = h('div', { class: 'person-line' }, open || name, marks, h('span', { class: 'end' }, presence, admit));
    li.append(line);
    const r = { li, m, name, open, marks, presence, admit, panel: null };
    if (isParticipant) {
      open.addEventListener('click', () => toggle(r, open.getAttribute('aria-expanded') !== 'true'));
      admit.addEventListener('click', () => {
        // The button goes once they are in: the focus stays on their row.
        onAction(admit, busy(admit, () => live.send('door.admit', { memberId: m.id })).then(
          () => {
            announce(`${r.m.name} is let in.`);
            if (dropped(li)) open.focus();
          },
          (err) => setText(r.panel ? r.panel.error : null, err.message)));
      });
    }
    return r;
  }

  function personPanel(r) {
    const id = r.m.id;
    const threadList = h('ol', { id: `thread-${id}`, class: 'plain thread', 'aria-live': 'polite', 'aria-label': 'Messages' });
    const threadEmpty = h('p', { class: 'muted small' }, 'No messages yet.');
    const text = h('textarea', { id: `message-${id}`, rows: 2, maxlength: MESSAGE_MAX, 'aria-describedby': `message-${id}-hint message-${id}-count` });
    const count = h('span', { id: `message-${id}-count`, class: 'muted small' });
    const send = h('button', { type: 'submit', class: 'primary', id: `message-${id}-send` }, 'Send');
    const error = formError(`person-${id}-error`);
    const composer = h('form', { class: 'composer', novalidate: true },
      h('label', { for: text.id }, h('span', { class: 'label-name' }), ''),
      h('p', { class: 'hint', id: `message-${id}-hint` }, 'Co-facilitators of this cohort see these threads too.'),
      text, h('div', { class: 'save-row' }, send, count));
    const note = noteBox({
      book, participantId: id, id: `pnote-live-${id}`, label: 'Private note',
      hint: 'About them in this session. Facilitators of the cohort read it; they never do.',
    });
    const remove = h('button', { type: 'button', class: 'danger', dataset: { personAction: 'remove' } }, 'Remove from this session');
    const admitBack = h('button', { type: 'button', dataset: { personAction: 'admit-back' }, hidden: true }, 'Let them back in');
    const close = h('button', { type: 'button', class: 'link', dataset: { personAction: 'close' } }, 'Close');
    const headingEl = h('h3', { id: `person-${id}-heading` });
    const panel = h('div', { id: `person-${id}`, class: 'person-panel', role: 'region', 'aria-labelledby': `person-${id}-heading`, hidden: true },
      h('div', { class: 'row-head' }, headingEl, close),
      threadEmpty, threadList, composer, error,
      note.root,
      h('div', { class: 'actions tight' }, remove, admitBack));
    const words = () => setText(count, `${text.value.length}/${MESSAGE_MAX}`);
    text.addEventListener('input', words);
    words();
    text.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) composer.requestSubmit();
    });
    composer.addEventListener('submit', (ev) => {
      ev.preventDefault();
      setText(error, '');
      const value = text.value.trim();
      if (!value) {
        setText(error, 'Write a message first.');
        text.focus();
        return;
      }
      busy(send, () => live.send('message.send', { to: id, text: value })).then(() => {
        text.value = '';
        words();
        announce(`Message sent to ${r.m.name}.`);
      }, (err) => setText(error, err.message)).then(() => { if (dropped(composer)) text.focus(); });
    });
    panel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') toggle(r, false);
    });
    close.addEventListener('click', () => toggle(r, false));
    remove.addEventListener('click', () => {
      const n = r.m.name;
      if (!window.confirm(`Ask ${n} to step out of this session?\n\nThis does not remove ${n} from the cohort: they keep their link and are welcome at the next session. You can let them back in.`)) return;
      onAction(remove, busy(remove, () => live.send('door.remove', { memberId: id })).then(
        () => {
          announce(`${n} has been asked to step out of this session.`);
          if (!admitBack.hidden && dropped(panel)) admitBack.focus();
        },
        (err) => setText(error, err.message)));
    });
    admitBack.addEventListener('click', () => {
      onAction(admitBack, busy(admitBack, () => live.send('door.admit', { memberId: id })).then(
        () => {
          announce(`${r.m.name} may come back in.`);
          if (dropped(panel)) (remove.hidden ? text : remove).focus();
        },
        (err) => setText(error, err.message)));
    });
    const sentRead = { n: 0 };
    return {
      root: panel, text, error, note, remove, admitBack, headingEl, composer,
      paint(m) {
        setText(headingEl, m.name);
        setText(composer.querySelector('.label-name'), `Message to ${m.name}`);
        const removed = m.presence === 'removed';
        remove.hidden = removed || m.presence === 'waiting';
        admitBack.hidden = !removed;
        const t = threads.get(id);
        const msgs = t && Array.isArray(t.messages) ? t.messages : [];
        threadEmpty.hidden = msgs.length > 0;
        if (threadList.dataset.count !== String(msgs.length) || threadList.dataset.read !== String(t ? t.readByParticipant : 0)) {
          threadList.dataset.count = String(msgs.length);
          threadList.dataset.read = String(t ? t.readByParticipant : 0);
          fill(threadList, msgs.map((x) => h('li', { class: `msg from-${x.fromRole === 'facilitator' ? 'facilitator' : 'participant'}`, dataset: { n: x.n } },
            h('span', { class: 'msg-who' }, x.fromRole === 'facilitator' ? `${x.fromName || 'Facilitator'}` : (x.fromName || m.name)),
            h('span', { class: 'msg-at muted small' }, ` · ${formatTime(x.at)}`),
            h('p', { class: 'msg-text preserve' }, x.text))));
          const lastMine = [...msgs].reverse().find((x) => x.fromRole === 'facilitator');
          if (lastMine && t.readByParticipant >= lastMine.n) {
            threadList.append(h('li', { class: 'muted small msg-seen' }, `${m.name} has read it.`));
          }
          threadList.scrollTop = threadList.scrollHeight;
        }
        // Open means read: tell the room (and so the co-facilitators).
        if (!panel.hidden && msgs.length) {
          const last = msgs[msgs.length - 1].n;
          if (last > (t.readByFacilitators || 0) && sentRead.n < last) {
            sentRead.n = last;
            live.send('message.read', { with: id, n: last }).catch(() => { sentRead.n = 0; });
          }
        }
      },
    };
  }

  function toggle(r, open, focusTarget) {
    if (!r.panel) {
      r.panel = personPanel(r);
      r.li.append(r.panel.root);
    }
    r.panel.root.hidden = !open;
    r.open.setAttribute('aria-expanded', open ? 'true' : 'false');
    r.li.classList.toggle('open', open);
    if (open) {
      r.panel.note.start();
      r.panel.paint(r.m);
      paintRow(r);
      (focusTarget || r.panel.text).focus();
    } else {
      r.open.focus();
    }
  }

  function paintRow(r) {
    const m = r.m;
    const isParticipant = m.role !== 'facilitator';
    r.li.dataset.presence = m.presence || '';
    r.li.dataset.role = m.role || '';
    setText(r.name, m.name || '');
    const p = peopleById.get(m.id);
    const support = (Array.isArray(room.support) ? room.support : []).find((s) => s.memberId === m.id);
    const flagged = (Array.isArray(room.flags) ? room.flags : []).some((f) => f.memberId === m.id);
    const unread = isParticipant ? threads.unread(m.id) : 0;
    r.li.dataset.state = p && p.state ? p.state : '';
    r.li.dataset.support = support ? support.level : '';
    keepFocus(() => fill(r.marks,
      !isParticipant ? h('span', { class: 'role' }, you && m.id === you.id ? 'facilitator (you)' : 'facilitator') : null,
      support ? h('span', { class: `badge support-mark level-${support.level}` }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '◆'),
        support.level === 'now' ? ' Support now' : ' A moment') : null,
      flagged ? h('span', { class: 'badge flag-mark' }, 'Dropped') : null,
      p && p.state ? stateMark(p.state) : null,
      p && p.missedCheckIn ? h('span', { class: 'badge wait missed-mark' }, 'Missed the check-in') : null,
      unread ? h('span', { class: 'badge unread-mark', dataset: { unread } }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '✉'),
        ` ${unread}`, h('span', { class: 'visually-hidden' }, unread === 1 ? ' unread message' : ' unread messages')) : null,
      marksOf(m.id)));
    fill(r.presence, presenceWords(m.presence));
    if (r.admit) r.admit.hidden = m.presence !== 'waiting';
    if (r.admit) {
      fill(r.admit, 'Let in', h('span', { class: 'visually-hidden' }, ` ${m.name}`));
    }
    if (r.open) r.open.title = `Messages and a note for ${m.name}`;
    if (r.panel) r.panel.paint(m);
  }

  return {
    root,
    render(state) {
      room = state.room;
      you = state.you;
      peopleById = new Map((Array.isArray(room.people) ? room.people : []).map((p) => [p.memberId, p]));
      const members = [...(room.members || [])].sort((a, b) => (a.role === 'facilitator' ? 0 : 1) - (b.role === 'facilitator' ? 0 : 1));
      const seen = new Set();
      members.forEach((m) => {
        seen.add(m.id);
        let r = rows.get(m.id);
        if (!r) {
          r = row(m);
          rows.set(m.id, r);
        }
        r.m = m;
        paintRow(r);
      });
      for (const [id, r] of rows) {
        if (!seen.has(id)) {
          r.li.remove();
          rows.delete(id);
        }
      }
      const order = members.map((m) => rows.get(m.id).li);
      if (order.some((li, i) => list.children[i] !== li)) keepFocus(() => list.append(...order));

      const counts = { present: 0, reconnecting: 0, left: 0, absent: 0, waiting: 0, removed: 0 };
      for (const m of members) if (m.role !== 'facilitator' && m.presence in counts) counts[m.presence] += 1;
      const parts = [`${counts.present} present`];
      if (counts.reconnecting) parts.push(`${counts.reconnecting} reconnecting`);
      if (counts.waiting) parts.push(`${counts.waiting} waiting`);
      if (counts.left) parts.push(`${counts.left} left`);
      if (counts.removed) parts.push(`${counts.removed} removed`);
      if (counts.absent) parts.push(`${counts.absent} not come yet`);
      setText(summary, `Participants: ${parts.join(' · ')}`);
      const total = threads.total();
      unreadTotal.hidden = total === 0;
      setText(unreadTotal, total === 1 ? '✉ 1 unread message' : `✉ ${total} unread messages`);
    },
    /** stateOf is a participant's latest window-of-tolerance state this session, or null. */
    stateOf(id) {
      return peopleById.get(id) || null;
    },
    /** openThread opens a participant's panel and puts the focus in its composer. */
    openThread(id) {
      const r = rows.get(id);
      if (!r || !r.open) return;
      toggle(r, true);
      r.li.scrollIntoView({ block: 'nearest' });
    },
  };
}

// --- the door and the pause ----------------------------------------------------------------

/**
 * doorControl is the header's "Door": admit on arrival on or off, lock and
 * unlock, who is waiting with "Let in" each and "Let everyone in".
 *
 * Hooks: #door-toggle[aria-expanded], #door-panel, #door-admission
 * (checkbox), #door-lock, #door-waiting > li[data-member-id] >
 * button[data-admit], #door-admit-all.
 */
export function doorControl({ live, onAction }) {
  const toggle = h('button', { type: 'button', id: 'door-toggle', 'aria-expanded': 'false', 'aria-controls': 'door-panel' }, 'Door');
  const admission = h('input', { type: 'checkbox', id: 'door-admission' });
  const lock = h('button', { type: 'button', id: 'door-lock' }, 'Lock the door');
  const lockHint = h('p', { class: 'hint', id: 'door-lock-hint' });
  lock.setAttribute('aria-describedby', 'door-lock-hint');
  const waitingList = h('ul', { id: 'door-waiting', class: 'plain members' });
  const waitingEmpty = h('p', { class: 'muted small' }, 'Nobody is waiting.');
  const all = h('button', { type: 'button', id: 'door-admit-all', class: 'primary' }, 'Let everyone in');
  const error = formError('door-error');
  const panel = h('section', { id: 'door-panel', class: 'door-panel panel', 'aria-labelledby': 'door-heading', hidden: true },
    h('h2', { id: 'door-heading' }, 'The door'),
    h('label', { class: 'checkbox', for: admission.id }, admission, 'New arrivals wait until I let them in'),
    h('div', { class: 'actions tight' }, lock), lockHint,
    h('h3', null, 'Waiting'), waitingEmpty, waitingList,
    h('div', { class: 'actions tight' }, all), error);
  let door = { admitOnArrival: false, locked: false };

  toggle.addEventListener('click', () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) admission.focus();
  });
  // It floats over the room: a press anywhere else closes it.
  const outside = (ev) => {
    if (panel.hidden || panel.contains(ev.target) || toggle.contains(ev.target)) return;
    panel.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
  };
  document.addEventListener('pointerdown', outside);
  panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      panel.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      toggle.focus();
    }
  });
  admission.addEventListener('change', () => {
    setText(error, '');
    const want = admission.checked;
    live.send('door.admission', { admitOnArrival: want }).then(
      () => announce(want ? 'New arrivals now wait at the door.' : 'New arrivals come straight in.'),
      (err) => {
        admission.checked = door.admitOnArrival;
        setText(error, err.message);
      });
  });
  lock.addEventListener('click', () => {
    setText(error, '');
    const want = !door.locked;
    onAction(lock, busy(lock, () => live.send('door.lock', { locked: want })).then(
      () => announce(want ? 'The door is locked.' : 'The door is open again.'),
      (err) => setText(error, err.message)));
  });
  all.addEventListener('click', () => {
    setText(error, '');
    onAction(all, busy(all, () => live.send('door.admit', { all: true })).then(
      () => announce('Everyone waiting is let in.'), (err) => setText(error, err.message)));
  });

  return {
    toggle,
    panel,
    destroy() { document.removeEventListener('pointerdown', outside); },
    render(room) {
      door = room.door || { admitOnArrival: false, locked: false };
      admission.checked = Boolean(door.admitOnArrival);
      setText(lock, door.locked ? 'Unlock the door' : 'Lock the door');
      setText(lockHint, door.locked
        ? 'Locked: nobody new can come in. Those who were here may come back.'
        : 'Locking turns away anyone who has not been in the room this session.');
      const waiting = (room.members || []).filter((m) => m.role === 'participant' && m.presence === 'waiting');
      waitingEmpty.hidden = waiting.length > 0;
      all.hidden = waiting.length < 2;
      const focusedId = waitingList.contains(document.activeElement) ? document.activeElement.closest('li')?.dataset.memberId : null;
      fill(waitingList, waiting.map((m) => {
        const b = h('button', { type: 'button', class: 'small', dataset: { admit: m.id } }, 'Let in', h('span', { class: 'visually-hidden' }, ` ${m.name}`));
        b.addEventListener('click', () => onAction(b, busy(b, () => live.send('door.admit', { memberId: m.id })).then(
          () => announce(`${m.name} is let in.`), (err) => setText(error, err.message))));
        return h('li', { dataset: { memberId: m.id } }, h('span', { class: 'name' }, m.name), h('span', { class: 'end' }, b));
      }));
      if (focusedId) {
        const again = waitingList.querySelector(`li[data-member-id="${CSS.escape(focusedId)}"] button`)
          || waitingList.querySelector('button') || (all.hidden ? admission : all);
        again.focus();
      }
      const words = [door.locked ? 'locked' : (door.admitOnArrival ? 'admitting' : 'open')];
      if (waiting.length) words.push(`${waiting.length} waiting`);
      fill(toggle, h('span', { class: 'icon', 'aria-hidden': 'true' }, door.locked ? '🔒︎' : '⌂'), ` Door: ${words.join(', ')}`);
      toggle.dataset.locked = door.locked ? 'true' : 'false';
    },
  };
}

/**
 * pauseControl is "Pause the room" / "Resume", always in the header, and
 * the calm banner while the room holds still.
 *
 * Hooks: #room-pause[data-paused]; #hold-banner.
 */
export function pauseControl({ live, onAction, onError }) {
  const button = h('button', { type: 'button', id: 'room-pause', dataset: { paused: 'false' } }, 'Pause the room');
  const banner = h('p', { id: 'hold-banner', class: 'hold-banner', role: 'status', hidden: true });
  let paused = false;
  button.addEventListener('click', () => {
    const type = paused ? 'room.resume' : 'room.pause';
    onAction(button, busy(button, () => live.send(type, {})).then(
      () => announce(type === 'room.pause' ? 'The room is paused.' : 'The room goes on.'),
      (err) => onError(err.message)));
  });
  return {
    button,
    banner,
    render(room) {
      const hold = room.hold || {};
      paused = Boolean(hold.paused);
      button.dataset.paused = paused ? 'true' : 'false';
      button.classList.toggle('primary', paused);
      setText(button, paused ? 'Resume the room' : 'Pause the room');
      const frozen = paused || hold.facilitatorAway;
      banner.hidden = !frozen;
      if (frozen) {
        const since = hold.since ? ` since ${formatTime(hold.since)}` : '';
        setText(banner, paused
          ? `The room is paused${since}. Timers and the talking piece wait; the group sees a calm pause. Messages and support still reach you.`
          : `The room held still${since} while no facilitator was connected.`);
      }
    },
  };
}
