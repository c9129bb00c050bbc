// outbox-form.js — a participant's answer form: what they type is a draft
// kept on this device, a submission is an action through the live
// connection's outbox, and the form says where its words are.
//
// The outbox (live.js) gives each action its client ID, keeps it in
// localStorage and sends it again after a reconnect, so the form only asks
// it for what is still on its way. The draft is kept apart from the outbox:
// it is what the participant is writing now, which may not be what they
// sent, and it outlives a reload, a reconnect and a re-render of the view.

import { h, setText, storage } from './dom.js';

/**
 * DRAFT_PREFIX starts every draft's localStorage key
 * ("hearth.draft.{participant ID}.{name}"; never the invite token).
 */
export const DRAFT_PREFIX = 'hearth.draft.';
const DRAFT_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/**
 * readDraft returns the draft kept under key, {values, savedAt, …the
 * form's extra}, or null. A draft written before drafts kept their fields
 * under `values` has them at its top level: it reads the same.
 */
export function readDraft(key) {
  const saved = key ? storage.get(key) : null;
  if (!saved || typeof saved !== 'object') return null;
  return saved.values && typeof saved.values === 'object' ? saved : { ...saved, values: saved };
}

/** pruneDrafts forgets the drafts nobody has touched for two weeks. */
export function pruneDrafts() {
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

/**
 * outboxForm builds a form that sends its fields as one action type and
 * says where they are. The caller gives the fields (with their first
 * values, from readDraft or from what was sent before) and calls paint()
 * whenever the room changes; the form repaints itself on input, on submit
 * and when the server answers.
 *
 * Options:
 *   live        the room connection (live.js)
 *   type        the action type, e.g. 'checkin.answer'
 *   id          names the form (#{id}-form), its submit button
 *               (#{id}-submit) and its status line (#{id}-status, role
 *               status); without it the form has no button, and a change
 *               of its fields sends them (a choice that is the whole answer)
 *   fields      the form's nodes, before its button
 *   big         the submit button is a big one
 *   dirtyNote   a hint under the status says text.dirty while the fields
 *               differ from what was sent (without it, the status line says it)
 *   statusClass the status line's class (default answer-status)
 *   values(form)   the fields' values, as the draft keeps them
 *   data(v)        the action's data for values v
 *   check(v, form) null, or {error, focus}: the words to show, the field to focus
 *   mine()      what the server holds of this form (in the values' shape), or null
 *   same(v, m)  whether values v are what the server holds (m)
 *   draftKey    the draft's localStorage key; null keeps no draft
 *   draftExtra  more to keep with the draft, e.g. {activityId}
 *   match(e)    which of the type's pending actions are this form's (default: all)
 *   text        {sending, kept, shared, dirty, share, change, closed, failed}
 *   onInput()   after each change of the fields (optional)
 *   onSend(v)   when values v go out (optional)
 *   show(m)     puts what the server holds (m, as mine() gives it) into the
 *               fields (optional). With it, the form follows the server: when
 *               what it holds changes (the same person, in another tab or on
 *               another device), fields nobody is editing show it at once, and
 *               fields being edited keep their words under a notice ("Changed
 *               in another tab", #{id}-changed) offering "Use that" and "Keep
 *               mine", so that neither answer silently overwrites the other.
 *
 * The status line's data-kind is error, pending, shared or ''.
 * Returns {form, paint(), values()}.
 */
export function outboxForm(o) {
  const submit = o.id ? h('button', { type: 'submit', id: `${o.id}-submit`, class: o.big ? 'primary big' : 'primary' }, o.text.share) : null;
  const status = h('p', {
    id: o.id ? `${o.id}-status` : null, class: o.statusClass || 'answer-status', role: 'status', 'aria-live': 'polite',
  });
  const dirtyNote = o.dirtyNote ? h('p', { class: 'hint', hidden: true }, o.text.dirty) : null;
  const useTheirs = o.show ? h('button', { type: 'button', class: 'primary', dataset: { changed: 'use' } }, 'Use that') : null;
  const keepMine = o.show ? h('button', { type: 'button', dataset: { changed: 'keep' } }, 'Keep mine') : null;
  const changed = o.show ? h('div', {
    id: o.id ? `${o.id}-changed` : null, class: 'notice changed-elsewhere', role: 'status', hidden: true,
  }, h('p', null, 'Changed in another tab: what is saved is no longer what you see here.'),
  h('div', { class: 'actions tight' }, useTheirs, keepMine)) : null;
  const form = h('form', { id: o.id ? `${o.id}-form` : null, novalidate: true },
    changed, o.fields, submit ? h('div', { class: 'actions' }, submit) : null, status, dirtyNote);
  const values = () => o.values(form);
  let error = '';
  // What the server held when the fields were last drawn from it, as JSON
  // (known; undefined until the first paint, which takes it as it finds
  // it, draft and all) and as it came (knownValue); what this form last
  // sent; and what arrived from elsewhere while the fields were being edited.
  let known;
  let knownValue = null;
  let sentHere = null;
  let theirs = null;

  function pending() {
    return o.live.pending(o.type).some((entry) => !o.match || o.match(entry));
  }

  function blank(v) {
    return Object.values(v || {}).every((x) => x == null || String(x).trim() === '');
  }

  // follow takes in a change of what the server holds (see show above).
  function follow(mine, waiting) {
    if (waiting) return; // this form's own change is on its way: its echo is not news
    const key = JSON.stringify(mine ?? null);
    if (key === known) return;
    if (known === undefined) {
      known = key;
      knownValue = mine;
      return;
    }
    const before = knownValue;
    known = key;
    knownValue = mine;
    if (!mine || o.same(values(), mine) || (sentHere && o.same(sentHere, mine))) {
      theirs = null;
      return;
    }
    const untouched = before ? o.same(values(), before) : blank(values());
    if (untouched) {
      o.show(mine);
      if (o.draftKey) storage.remove(o.draftKey);
      theirs = null;
    } else {
      theirs = mine;
    }
  }

  if (o.show) {
    useTheirs.addEventListener('click', () => {
      if (theirs) o.show(theirs);
      if (o.draftKey) storage.remove(o.draftKey);
      theirs = null;
      error = '';
      paint();
      const field = form.querySelector('input, textarea, select');
      if (field) field.focus();
    });
    keepMine.addEventListener('click', () => {
      theirs = null;
      paint();
      if (submit) submit.focus();
    });
  }

  function paint() {
    const mine = o.mine();
    const waiting = pending();
    if (o.show) {
      follow(mine, waiting);
      if (theirs && o.same(values(), theirs)) theirs = null;
      const hadFocus = changed.contains(document.activeElement);
      changed.hidden = !theirs;
      if (hadFocus && !theirs && submit) submit.focus();
    }
    const dirty = Boolean(mine) && !waiting && !error && !o.same(values(), mine);
    let line = '';
    let kind = '';
    if (error) {
      line = error;
      kind = 'error';
    } else if (waiting) {
      line = o.live.state.connection === 'open' ? o.text.sending : o.text.kept;
      kind = 'pending';
    } else if (dirty && !dirtyNote) {
      line = o.text.dirty;
    } else if (mine) {
      line = o.text.shared;
      kind = 'shared';
    }
    setText(status, line);
    status.dataset.kind = kind;
    if (submit) setText(submit, mine ? o.text.change : o.text.share);
    if (dirtyNote) dirtyNote.hidden = !dirty;
  }

  function keep() {
    if (o.draftKey) storage.set(o.draftKey, { values: values(), savedAt: Date.now(), ...(o.draftExtra || {}) });
    error = '';
    if (o.onInput) o.onInput();
    paint();
  }
  form.addEventListener('input', keep);
  form.addEventListener('change', keep);

  if (!submit) {
    // A choice is the whole answer: it goes as soon as it is made, and
    // only then (Enter on a choice would otherwise send it again).
    form.addEventListener('change', () => form.requestSubmit());
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') ev.preventDefault();
    });
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const sent = values();
    const problem = o.check ? o.check(sent, form) : null;
    if (problem) {
      error = problem.error;
      paint();
      if (problem.focus) problem.focus.focus();
      return;
    }
    error = '';
    sentHere = sent;
    theirs = null;
    if (o.onSend) o.onSend(sent);
    const sending = o.live.send(o.type, o.data(sent));
    paint();
    sending.then(() => {
      // Keep the draft if they went on writing while it was on its way.
      if (o.draftKey && o.same(values(), sent)) storage.remove(o.draftKey);
      paint();
    }, (err) => {
      error = err.code === 'closed' ? o.text.closed : (err.message || o.text.failed);
      paint();
    });
  });

  return { form, paint, values };
}
