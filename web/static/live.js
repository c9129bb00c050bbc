// live.js — the live connection to a Hearth room, shared by the facilitator
// console and the participant view (docs/protocol.md, "WebSocket: the live room").
//
// It keeps the room as this member may see it (a snapshot replaces it, an
// event merges the parts it carries), keeps every action in an outbox (also
// in localStorage) until the server acknowledges or refuses it, and
// reconnects with exponential backoff and full jitter until the server says
// `bye` or the probe says the member may not come back.
//
// A heartbeat (docs/protocol.md, "Heartbeat") finds a connection that died
// without a word: a phone that changed networks, a laptop that slept, a
// proxy that stopped forwarding. The browser may take minutes to notice on
// its own; the page notices within about five seconds.

import { storage } from './dom.js';

// The reconnect schedule (docs/protocol.md, "Reconnecting"): attempt n waits
// MIN_DELAY_MS plus a random time below min(MAX_DELAY_MS, BASE_DELAY_MS·2ⁿ).
// After a restart every member comes back at once; spread over the whole of
// the first second, at most about 15 % of them retry in any 100 ms.
// cmd/hearth-load uses the same schedule, so its herd figure is this one's.
const MIN_DELAY_MS = 100;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 15000;
const CONNECT_TIMEOUT_MS = 10000;
// The heartbeat: a ping every PING_EVERY_MS; SILENCE_MS without a word
// from the server ends the connection. The check runs every CHECK_EVERY_MS
// so a death is seen within half a second of the bound.
const PING_EVERY_MS = 2000;
const SILENCE_MS = 5000;
const CHECK_EVERY_MS = 500;
// A check that comes this late was held back (a hidden tab, a sleeping
// device): the silence is ours, not the server's, so the server gets
// WAKE_GRACE_MS to answer a fresh ping before the connection counts as dead.
const LATE_CHECK_MS = 3000;
const WAKE_GRACE_MS = 3000;
// An unacknowledged action older than this is dropped instead of re-sent:
// it belongs to a meeting that is long over.
const OUTBOX_MAX_AGE_MS = 6 * 60 * 60 * 1000;

/** frozen reports whether a room's hold stands it still. */
function frozen(hold) {
  return Boolean(hold && (hold.paused || hold.facilitatorAway));
}

/** LiveError is an action the server refused (an `error` frame), or one that can no longer be sent. */
export class LiveError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = 'LiveError';
    this.code = code;
  }
}

function wsUrl(path) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}

function randomPart() {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('');
}

class Live {
  constructor(path, options) {
    this.path = path;
    this.protocols = options.protocols || [];
    this.outboxKey = options.outboxKey ? `hearth.outbox.${options.outboxKey}` : null;
    this.statusEl = options.statusEl || null;
    this.reconnectingText = options.reconnectingText || 'Reconnecting…';
    this.probe = options.probe || null;

    /**
     * state is read by the pages:
     * connection: 'connecting' | 'open' | 'reconnecting' | 'stopped'
     * waiting: the `waiting` message ({cohort, nextSession, videoUrl,
     *   admission, removed, message}) while the room is not open to
     *   this member yet
     * you, room, version: from the latest snapshot and events
     * serverOffset: serverTime - Date.now(), for timers
     * bye: {reason, message} once the server said goodbye
     * stopped: {reason, message} when the probe stopped reconnecting
     */
    this.state = {
      connection: 'connecting', waiting: null, you: null, room: null,
      version: 0, serverOffset: 0, bye: null, stopped: null,
    };

    this.listeners = new Set();
    this.promises = new Map(); // action id → {resolve, reject}
    this.sentOn = new Map(); // action id → connection serial it was last sent on
    this.outbox = this.loadOutbox();
    this.prefix = randomPart();
    this.counter = 0;
    this.serial = 0;
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.ready = false; // a snapshot arrived on the current connection
    this.greeted = false; // the server spoke first on the current connection
    this.heard = 0; // Date.now() of the last frame from the server
    this.pinged = 0; // Date.now() of the last ping
    this.checked = 0; // Date.now() of the last heartbeat check
    this.beat = window.setInterval(() => this.heartbeat(), CHECK_EVERY_MS);
    this.syncing = false;
    this.ended = false;
    this.leaving = false;

    this.onOnline = () => this.wake();
    this.onOffline = () => this.showStatus();
    this.onPageHide = () => { this.leaving = true; };
    this.onPageShow = () => {
      this.leaving = false;
      this.wake();
    };
    this.onVisible = () => {
      if (document.visibilityState === 'visible') this.wake();
    };
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('pagehide', this.onPageHide);
    window.addEventListener('pageshow', this.onPageShow);
    document.addEventListener('visibilitychange', this.onVisible);

    this.showStatus();
    this.open();
  }

  /** subscribe calls fn(state, note) after every change; returns an unsubscribe function. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** serverNow is the server's clock, in Unix ms. */
  serverNow() {
    return Date.now() + this.state.serverOffset;
  }

  /**
   * roomNow is the time the room's timers read: the server's clock, but
   * standing still at `hold.since` while the room is frozen (paused, or its
   * facilitators away), so a countdown shows what was left when it froze.
   */
  roomNow() {
    const hold = this.state.room && this.state.room.hold;
    if (frozen(hold) && hold.since > 0) return hold.since;
    return this.serverNow();
  }

  /** pending lists the actions not yet acknowledged (of one type, if given). */
  pending(type) {
    return this.outbox.filter((entry) => !type || entry.type === type);
  }

  /**
   * send queues an action and sends it as soon as the room is connected.
   * The promise resolves with the ack ({version, duplicate}) and rejects
   * with a LiveError carrying the server's code and message.
   */
  send(type, data = {}) {
    if (this.ended) {
      return Promise.reject(new LiveError('closed', 'The room is no longer open.'));
    }
    const entry = { id: this.nextId(), type, data, at: Date.now() };
    this.outbox.push(entry);
    this.saveOutbox();
    const promise = new Promise((resolve, reject) => this.promises.set(entry.id, { resolve, reject }));
    if (this.ready) this.transmit(entry);
    this.emit({ kind: 'queued', action: entry });
    return promise;
  }

  /** close ends the connection for good (leaving the page or the view). */
  close() {
    this.ended = true;
    this.state.connection = 'stopped';
    window.clearTimeout(this.timer);
    this.timer = null;
    window.clearInterval(this.beat);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('pagehide', this.onPageHide);
    window.removeEventListener('pageshow', this.onPageShow);
    document.removeEventListener('visibilitychange', this.onVisible);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'bye');
    this.showStatus();
    this.listeners.clear();
  }

  // --- connection -------------------------------------------------------

  open() {
    this.timer = null;
    if (this.ended) return;
    const serial = ++this.serial;
    let ws;
    try {
      ws = new WebSocket(wsUrl(this.path), this.protocols);
    } catch {
      this.afterClose(false);
      return;
    }
    this.ws = ws;
    this.ready = false;
    this.syncing = false;
    this.greeted = false;
    const timeout = window.setTimeout(() => {
      if (ws.readyState === WebSocket.CONNECTING) ws.close();
    }, CONNECT_TIMEOUT_MS);
    ws.onopen = () => {
      window.clearTimeout(timeout);
      if (this.ws !== ws) return;
      this.heard = Date.now();
      this.ping(ws);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.heard = Date.now();
      const msg = parse(ev.data);
      if (!msg) return;
      if (msg.type === 'waiting' || msg.type === 'snapshot' || msg.type === 'bye') this.greeted = true;
      this.handle(msg, serial);
    };
    ws.onerror = () => {}; // a close event always follows
    ws.onclose = () => {
      window.clearTimeout(timeout);
      if (this.ws !== ws) return;
      this.drop();
    };
  }

  // drop forgets the current connection and starts coming back.
  drop() {
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
      // A dead peer never finishes the close handshake; the browser gives
      // up on it by itself, and this page no longer listens.
      try {
        ws.close();
      } catch {
        // already closing
      }
    }
    this.afterClose(this.greeted);
  }

  ping(ws) {
    this.pinged = Date.now();
    try {
      ws.send('{"type":"ping"}');
    } catch {
      // closing: the close event comes
    }
  }

  // heartbeat pings an open connection and ends one that has been silent
  // for SILENCE_MS (docs/protocol.md, "Heartbeat").
  heartbeat() {
    const now = Date.now();
    const late = this.checked && now - this.checked > LATE_CHECK_MS;
    this.checked = now;
    const ws = this.ws;
    if (this.ended || !ws || ws.readyState !== WebSocket.OPEN) return;
    if (late) this.heard = Math.max(this.heard, now - SILENCE_MS + WAKE_GRACE_MS);
    if (now - this.heard > SILENCE_MS) {
      this.drop();
      return;
    }
    if (late || now - this.pinged >= PING_EVERY_MS) this.ping(ws);
  }

  // wake is called when the device says the network or the page is back:
  // a connection waiting for its next attempt tries at once, and an open
  // one is asked to prove it is alive.
  wake() {
    if (this.ended) return;
    if (this.timer) {
      window.clearTimeout(this.timer);
      this.timer = null;
      this.open();
      return;
    }
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      const now = Date.now();
      this.heard = Math.max(this.heard, now - SILENCE_MS + WAKE_GRACE_MS);
      this.ping(ws);
    }
    this.showStatus();
  }

  afterClose(greeted) {
    if (this.ended) return;
    this.setConnection('reconnecting');
    if (!greeted && this.probe) {
      Promise.resolve()
        .then(() => this.probe())
        .then((stop) => {
          if (this.ended) return;
          if (stop) this.stop(stop);
          else this.scheduleRetry();
        }, () => this.scheduleRetry());
    } else {
      this.scheduleRetry();
    }
  }

  scheduleRetry() {
    if (this.ended || this.timer) return;
    // Exponential backoff with full jitter above a floor. The floor is added,
    // not a minimum: max(100, random·cap) sent every client whose draw fell
    // below 100 ms back at exactly 100 ms, together.
    const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(this.attempt, 16));
    this.attempt += 1;
    const delay = MIN_DELAY_MS + Math.random() * cap;
    this.timer = window.setTimeout(() => this.open(), delay);
  }

  stop(reason) {
    this.state.stopped = reason;
    this.rejectAll('closed', reason.message || 'The room is no longer open.');
    this.endForGood();
    this.emit({ kind: 'stopped', reason });
  }

  endForGood() {
    this.ended = true;
    window.clearTimeout(this.timer);
    this.timer = null;
    window.clearInterval(this.beat);
    this.setConnection('stopped');
  }

  setConnection(connection) {
    if (this.state.connection === connection) return;
    this.state.connection = connection;
    this.showStatus();
    this.emit({ kind: 'connection', connection });
  }

  showStatus() {
    const el = this.statusEl;
    if (!el) return;
    const c = this.ended ? 'stopped' : this.state.connection;
    let text = '';
    if (c === 'connecting') text = 'Connecting…';
    else if (c === 'reconnecting' && !this.leaving) {
      text = navigator.onLine === false
        ? 'You seem to be offline. Hearth will reconnect by itself when the connection is back.'
        : this.reconnectingText;
    }
    el.dataset.state = c;
    if (el.textContent !== text) el.textContent = text;
  }

  // --- messages ---------------------------------------------------------

  handle(msg, serial) {
    const state = this.state;
    if (typeof msg.serverTime === 'number') state.serverOffset = msg.serverTime - Date.now();
    switch (msg.type) {
      case 'pong':
        break; // heard: that is all a pong says
      case 'waiting':
        this.attempt = 0;
        state.waiting = {
          cohort: msg.cohort || '',
          nextSession: msg.nextSession || null,
          videoUrl: typeof msg.videoUrl === 'string' ? msg.videoUrl : '',
          admission: Boolean(msg.admission),
          removed: Boolean(msg.removed),
          message: msg.message || '',
        };
        state.room = null;
        this.setConnection('open');
        this.emit({ kind: 'waiting' });
        break;
      case 'snapshot':
        this.attempt = 0;
        state.waiting = null;
        state.you = msg.you || null;
        state.room = normaliseRoom(msg.room);
        state.version = typeof msg.version === 'number' ? msg.version : 0;
        this.syncing = false;
        this.ready = true;
        this.setConnection('open');
        this.flush(serial);
        this.emit({ kind: 'snapshot' });
        break;
      case 'event':
        this.applyEvent(msg);
        break;
      case 'ack':
        this.settle(msg.id, null, msg);
        break;
      case 'error':
        if (msg.id && msg.code === 'paused' && this.holdForThaw(msg.id)) break;
        if (msg.id) {
          this.settle(msg.id, new LiveError(msg.code || 'internal', msg.message || 'That did not work.'), msg);
        } else {
          this.emit({ kind: 'error', code: msg.code, message: msg.message });
        }
        break;
      case 'bye':
        state.bye = { reason: msg.reason || '', message: msg.message || '' };
        this.rejectAll('closed', msg.message || 'The room is no longer open.');
        this.endForGood();
        this.emit({ kind: 'bye', bye: state.bye });
        break;
      default:
        break; // unknown types are ignored: the protocol may grow
    }
  }

  applyEvent(msg) {
    const state = this.state;
    if (!state.room || this.syncing) return; // a snapshot is coming
    if (typeof msg.version !== 'number') return;
    if (msg.version <= state.version) return; // already seen
    if (msg.version !== state.version + 1) {
      this.requestSync();
      return;
    }
    const room = state.room;
    // A new activity starts with nothing of this member's in it: what they
    // did in the last one must not show in the next (a circle's turn numbers
    // start again at 1). When they have something in it, mine comes along.
    const before = room.activity ? room.activity.id : null;
    if (msg.activity !== undefined && (msg.activity ? msg.activity.id : null) !== before && msg.mine === undefined) {
      room.mine = {};
    }
    for (const [key, value] of Object.entries(msg)) {
      if (key === 'type' || key === 'version' || key === 'serverTime') continue;
      if (key === 'member') upsertMember(room, value);
      else room[key] = value;
    }
    if (room.mine == null) room.mine = {};
    state.version = msg.version;
    this.emit({ kind: 'event', event: msg });
    if (msg.hold !== undefined && !frozen(room.hold)) this.flush(this.serial);
  }

  /**
   * holdForThaw keeps a participant's action that a frozen room refused
   * (`paused`: a pause, or the facilitator reconnecting) in the outbox, to
   * be sent again once the room goes on: an answer given at that moment is
   * the person's, and the hold is no reason to lose it. A facilitator's
   * refusal is theirs to see, so it is not kept: a "Next" replayed after a
   * pause would surprise them.
   */
  holdForThaw(id) {
    if (!this.state.you || this.state.you.role !== 'participant') return false;
    if (!this.outbox.some((entry) => entry.id === id)) return false;
    this.sentOn.delete(id); // sent again by the next flush
    return true;
  }

  requestSync() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.syncing = true;
    this.ws.send(JSON.stringify({ type: 'sync', id: this.nextId(), data: {} }));
  }

  settle(id, error, msg) {
    const index = this.outbox.findIndex((entry) => entry.id === id);
    const action = index >= 0 ? this.outbox.splice(index, 1)[0] : null;
    if (action) this.saveOutbox();
    this.sentOn.delete(id);
    const promise = this.promises.get(id);
    this.promises.delete(id);
    if (promise) {
      if (error) promise.reject(error);
      else promise.resolve({ version: msg.version, duplicate: Boolean(msg.duplicate) });
    }
    if (action) {
      this.emit(error
        ? { kind: 'error', action, code: error.code, message: error.message }
        : { kind: 'ack', action, duplicate: Boolean(msg.duplicate) });
    }
  }

  rejectAll(code, message) {
    for (const [, promise] of this.promises) promise.reject(new LiveError(code, message));
    this.promises.clear();
    this.outbox = [];
    this.saveOutbox();
  }

  // --- outbox -----------------------------------------------------------

  nextId() {
    this.counter += 1;
    return `c-${this.prefix}-${this.counter}`;
  }

  transmit(entry) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (this.sentOn.get(entry.id) === this.serial) return;
    ws.send(JSON.stringify({ type: entry.type, id: entry.id, data: entry.data }));
    this.sentOn.set(entry.id, this.serial);
  }

  flush(serial) {
    if (serial !== this.serial) return;
    for (const entry of this.outbox) this.transmit(entry);
  }

  loadOutbox() {
    if (!this.outboxKey) return [];
    const saved = storage.get(this.outboxKey);
    if (!Array.isArray(saved)) return [];
    const now = Date.now();
    return saved.filter((entry) => entry && typeof entry.id === 'string' && typeof entry.type === 'string'
      && now - (entry.at || 0) < OUTBOX_MAX_AGE_MS);
  }

  saveOutbox() {
    if (!this.outboxKey) return;
    if (this.outbox.length === 0) storage.remove(this.outboxKey);
    else storage.set(this.outboxKey, this.outbox);
  }

  emit(note) {
    for (const fn of [...this.listeners]) {
      try {
        fn(this.state, note);
      } catch (err) {
        // A rendering bug must not break the connection.
        console.error(err);
      }
    }
  }
}

function parse(raw) {
  try {
    const msg = JSON.parse(raw);
    return msg && typeof msg === 'object' && typeof msg.type === 'string' ? msg : null;
  } catch {
    return null;
  }
}

function normaliseRoom(room) {
  const copy = { ...(room || {}) };
  if (!Array.isArray(copy.members)) copy.members = [];
  if (copy.activity === undefined) copy.activity = null;
  if (copy.mine == null) copy.mine = {};
  return copy;
}

function upsertMember(room, member) {
  if (!member || !member.id) return;
  const members = Array.isArray(room.members) ? room.members.slice() : [];
  const index = members.findIndex((m) => m.id === member.id);
  if (index >= 0) members[index] = { ...members[index], ...member };
  else members.push(member);
  room.members = members;
}

/**
 * connect opens the member's live connection.
 *
 * path: the WebSocket path, e.g. `/ws/p` or `/ws/sessions/ID`.
 * options.protocols: the subprotocols to offer; a participant offers
 *   `hearth` and `hearth.invite.TOKEN` (a browser's WebSocket can send no
 *   other header), and the server selects `hearth`.
 * options.outboxKey: where unacknowledged actions survive a reload
 *   (one key per page and member; never a secret such as a token).
 * options.statusEl: an element (an aria-live region) that shows
 *   "Reconnecting…" while the connection is down, and nothing otherwise.
 * options.reconnectingText: the words for that element.
 * options.probe: async () => null | {reason, message}; called when a
 *   connection fails before the server greeted it (a refused upgrade looks
 *   the same as a network error to a browser). A non-null answer stops
 *   reconnecting (e.g. the link was revoked, or the login expired).
 */
export function connect(path, options = {}) {
  return new Live(path, options);
}
