// view.js — what the activities' faces are built from: the step's title,
// the console's action buttons, who has not answered yet, the people
// outside their window, clocks in figures and in words.
//
// Nothing here knows a kind: a module of one kind imports these and never
// another kind's module, so the registry (index.js) stays the only place
// that knows them all.

import { h, setText, announce, fill, busy, presenceLabel, STATES } from '../dom.js';

/** reducedMotion is the reader's motion preference, live. */
export const reducedMotion = typeof window !== 'undefined' && window.matchMedia
  ? window.matchMedia('(prefers-reduced-motion: reduce)')
  : { matches: false, addEventListener() {}, removeEventListener() {} };

/**
 * stepTitle is the title the facilitator gave the agenda item this activity
 * runs, or fallback when it has none (or was started outside the agenda).
 */
export function stepTitle(room, activity, fallback) {
  const item = activity && activity.itemId ? (room.agenda || []).find((x) => x.id === activity.itemId) : null;
  const title = item && typeof item.title === 'string' ? item.title.trim() : '';
  return title || fallback;
}

/**
 * actions returns act(button, type, data, okText): it sends one action with
 * the button busy, says okText when the server took it, and puts the
 * server's refusal in errorEl. The promise settles when the button is free.
 */
export function actions(live, errorEl) {
  return (button, type, data, okText) => {
    setText(errorEl, '');
    return busy(button, () => live.send(type, data).then(() => {
      if (okText) announce(okText);
    }, (err) => setText(errorEl, err.message)));
  };
}

/** count reads one of an activity's counters (0 when it is not there). */
export function count(value, fallback = 0) {
  return typeof value === 'number' ? value : fallback;
}

/**
 * consoleHead is the top of a console view: the step's title (fallback
 * when the agenda item has none) with a badge, the prompt, a line about the
 * settings, the progress line and, with attentionId, the box naming who is
 * outside their window (see attention). paint(room, activity) writes the
 * title and the prompt; the caller fills the rest.
 */
export function consoleHead(fallback, attentionId) {
  const head = {
    heading: h('h2', { id: 'activity-heading' }, fallback),
    badge: h('span', { class: 'badge' }),
    prompt: h('p', { class: 'prompt' }),
    about: h('p', { class: 'muted small' }),
    progress: h('p', { class: 'progress-line' }),
    attention: attentionId
      ? h('div', { class: 'attention', role: 'region', 'aria-labelledby': attentionId, hidden: true }) : null,
    paint(room, activity) {
      setText(head.heading, stepTitle(room, activity, fallback));
      setText(head.prompt, activity.prompt || '');
    },
  };
  head.nodes = [h('div', { class: 'row-head' }, head.heading, head.badge), head.prompt, head.about, head.progress, head.attention];
  return head;
}

/**
 * answered is the console's record of who has answered: the answers as
 * they come (ul#id, the none words while there are none), then the
 * participants here who have not (ul#waitingId under waitingTitle, whose
 * words the caller may change). paint(room, entries, row, done, allText)
 * draws entries with row(entry); done holds the ids of those who answered,
 * allText is said when everyone here has.
 */
export function answered({ heading, id, none, waitingHeading, waitingHeadingId, waitingId }) {
  const list = h('ul', { id, class: 'plain answers' });
  const empty = h('p', { class: 'muted' }, none);
  const waitingTitle = h('h3', { id: waitingHeadingId || null }, waitingHeading);
  const waiting = h('ul', { id: waitingId, class: 'plain members' });
  const all = h('p', { class: 'muted' });
  return {
    nodes: [h('h3', null, heading), empty, list, waitingTitle, waiting, all],
    waitingTitle,
    paint(room, entries, row, done, allText) {
      fill(list, ...entries.map(row));
      empty.hidden = entries.length > 0;
      const here = (room.members || []).filter((m) => m.role !== 'facilitator'
        && (m.presence === 'present' || m.presence === 'reconnecting') && !done.has(m.id));
      fill(waiting, ...here.map((m) => h('li', { dataset: { memberId: m.id, presence: m.presence } },
        h('span', { class: 'name' }, m.name || ''), h('span', { class: 'end' }, presenceLabel(m.presence)))));
      setText(all, here.length === 0 ? allText : '');
    },
  };
}

/** revealedBadge says whether the facilitator has shown the group's words yet. */
export function revealedBadge(badge, revealed) {
  setText(badge, revealed ? 'Revealed' : 'Not revealed yet');
  badge.className = revealed ? 'badge live' : 'badge wait';
}

/** outside tells whether a window-of-tolerance state needs the facilitator's eye. */
export function outside(state) {
  return state === 'hyper' || state === 'hypo';
}

/**
 * attention fills the console's attention box with the people whose state
 * is outside their window: a heading (headingId, one(n) or many(n) words)
 * and a line each, detail(x) after the name and the state. Hidden when
 * nobody is outside.
 */
export function attention(box, headingId, list, { one, many, detail }) {
  const flagged = list.filter((x) => outside(x.state));
  box.hidden = flagged.length === 0;
  fill(box,
    h('h3', { id: headingId }, h('span', { 'aria-hidden': 'true' }, '◆ '),
      flagged.length === 1 ? one : many(flagged.length)),
    h('ul', null, flagged.map((x) => h('li', null,
      h('strong', null, x.name || ''), ` — ${STATES[x.state].label} (${STATES[x.state].plain}), ${detail(x)}`))));
}

/**
 * newlyOutside returns sayer(list): it announces each entry that arrives
 * or changes (by its `at`) outside the window, with words(x), but none of
 * those already there when the view was first drawn.
 */
export function newlyOutside(words) {
  const seen = new Map(); // memberId → at
  let first = true;
  return (list) => {
    for (const x of list) {
      if (!first && seen.get(x.memberId) !== x.at && outside(x.state)) announce(words(x));
      seen.set(x.memberId, x.at);
    }
    first = false;
  };
}

/** missingLine names who gave nothing, in a summary ("No answer from: …"). */
export function missingLine(names, what) {
  if (!names || names.length === 0) return null;
  return h('p', { class: 'muted small' }, `${what}: ${names.join(', ')}.`);
}

/** formatDuration says a length in seconds as "3 min", "1 min 30 s", "45 s". */
export function formatDuration(seconds) {
  const s = Math.round(Number(seconds));
  if (!Number.isFinite(s) || s <= 0) return '';
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m === 0) return `${rest} s`;
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

/** formatClock shows milliseconds left as "2:45" (or "1:02:03"), rounding up. */
export function formatClock(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** clockWords says milliseconds left in words, for screen readers ("2 minutes 45 seconds left"). */
export function clockWords(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  const parts = [];
  if (m) parts.push(m === 1 ? '1 minute' : `${m} minutes`);
  if (s || !m) parts.push(s === 1 ? '1 second' : `${s} seconds`);
  return `${parts.join(' ')} left`;
}

/** wholeNumber reads a settings field: '' is 0, anything but digits NaN. */
export function wholeNumber(text) {
  const s = String(text ?? '').trim();
  if (s === '') return 0;
  return /^\d+$/.test(s) ? Number(s) : NaN;
}

/**
 * promptField checks a settings prompt: {prompt} or {error, field}, with
 * missing as the words when it is empty.
 */
export function promptField(values, key, missing) {
  const prompt = (values[key] || '').trim();
  if (!prompt) return { error: missing, field: key };
  if (prompt.length > 300) return { error: 'The prompt can be at most 300 characters.', field: key };
  return { prompt };
}

/** textInput is a settings text field of up to max characters. */
export function textInput(id, value, max = 300) {
  return h('input', { type: 'text', id, maxlength: max, autocomplete: 'off', value });
}

/** choiceSelect is a select of choices {value: label or {label}}, showing value. */
export function choiceSelect(id, choices, value, attrs = {}) {
  const select = h('select', { id, ...attrs },
    Object.entries(choices).map(([v, c]) => h('option', { value: v }, typeof c === 'string' ? c : c.label)));
  select.value = value;
  return select;
}

/** quoted is a prompt in quotes for a summary line ('' when there is none). */
export function quoted(prompt) {
  return prompt ? `“${prompt}”` : '';
}

/**
 * stateChoices are the three window-of-tolerance states as large radio
 * choices named name (ids `${name}-${state}`), with `checked` chosen.
 */
export function stateChoices(name, checked, describedBy) {
  return h('div', { class: 'state-choices' }, Object.entries(STATES).map(([value, s]) => h('label', { class: 'choice' },
    h('input', {
      type: 'radio', name, value, id: `${name}-${value}`, 'aria-describedby': describedBy || null, checked: checked === value,
    }),
    h('span', { class: 'face' },
      h('span', { class: 'title' }, value === 'within' ? 'Within my window' : s.label),
      h('span', { class: 'visually-hidden' }, ' — '),
      h('span', { class: 'desc' }, s.plain)))));
}
