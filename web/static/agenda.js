// agenda.js — what the console and the participant view share about agendas
// (docs/protocol.md, "Agendas", "The grounding activity", "The check-out
// activity", "The intentions activity"): the words for each kind of activity, the settings form, the
// grounding clock and breathing pacer, and the check-out word cloud.
//
// The clock and the pacer never keep time of their own: every tick
// recomputes everything from the server's clock (live.serverNow()), so every
// screen shows the same second and the same breath, across reconnects.

import { h, setText } from './dom.js';

// --- kinds, titles, summaries ---------------------------------------------------

export const KINDS = {
  checkin: { label: 'Check-in', title: 'Arrival check-in' },
  grounding: { label: 'Grounding', title: 'Grounding pause' },
  checkout: { label: 'Check-out', title: 'Check-out' },
  intentions: { label: 'Intentions', title: 'Intentions' },
  circle: { label: 'Sharing circle', title: 'Sharing circle' },
};

export const MAX_ITEMS = 30;

export const DEFAULT_CHECKIN_PROMPT = 'How are you arriving today?';
export const DEFAULT_CHECKOUT_PROMPT = 'One word for how you leave.';
export const DEFAULT_INTENTIONS_PROMPT = 'What would you like to carry into the coming week?';

/** REVEAL says how intentions are shown once the facilitator reveals them. */
export const REVEAL = {
  anonymous: 'Without names',
  named: 'With names',
};

export const DEFAULT_CIRCLE_PROMPT = 'What has been alive for you since we last met?';

/** CIRCLE_MODES and SPEAKING_ORDERS name a circle's settings. */
export const CIRCLE_MODES = {
  round: 'A round: everyone in turn',
  open: 'Open floor: raise a hand',
};
export const SPEAKING_ORDERS = {
  roster: 'Roster order',
  random: 'Random order',
  arranged: 'Arranged by you, when it starts',
};

export const VISIBILITY = {
  group: 'Shared with the group (names and answers)',
  facilitators: 'Facilitators only',
  anonymous: 'The group sees an anonymous summary',
};

const VISIBILITY_SHORT = {
  group: 'shared with the group',
  facilitators: 'facilitators only',
  anonymous: 'anonymous summary',
};

export const STATUS = {
  pending: 'Pending',
  running: 'Running now',
  done: 'Done',
  skipped: 'Skipped',
};

/** kindLabel is the plain name of an activity kind ("Grounding"). */
export function kindLabel(kind) {
  return (KINDS[kind] && KINDS[kind].label) || kind || 'Activity';
}

/** itemTitle is the item's own title, or its kind's default. */
export function itemTitle(item) {
  if (!item) return '';
  const title = typeof item.title === 'string' ? item.title.trim() : '';
  return title || (KINDS[item.kind] && KINDS[item.kind].title) || kindLabel(item.kind);
}

/** itemSummary is one line with an item's key settings. */
export function itemSummary(item) {
  if (!item) return '';
  switch (item.kind) {
    case 'checkin':
      return [item.prompt ? `“${item.prompt}”` : '', VISIBILITY_SHORT[item.visibility] || ''].filter(Boolean).join(' · ');
    case 'grounding':
      return [formatDuration(item.seconds), breathLabel(item.breath)].filter(Boolean).join(' · ');
    case 'checkout':
      return [item.prompt ? `“${item.prompt}”` : '', item.closingCheck ? 'also asks how they leave' : ''].filter(Boolean).join(' · ');
    case 'intentions':
      return [item.prompt ? `“${item.prompt}”` : '', item.reveal === 'named' ? 'revealed with names' : 'revealed without names',
        item.commitment ? 'asks for one step' : ''].filter(Boolean).join(' · ');
    case 'circle':
      return [
        item.prompt ? `“${item.prompt}”` : '',
        item.mode === 'open' ? 'open floor' : (SPEAKING_ORDERS[item.order] || '').toLowerCase(),
        item.shareSeconds ? `${formatDuration(item.shareSeconds)} a share` : 'no time limit',
      ].filter(Boolean).join(' · ');
    default:
      return '';
  }
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

// --- breathing ------------------------------------------------------------------

export const BREATHS = {
  none: { label: 'No breathing pacer', breath: null },
  box: { label: 'Box breathing 4-4-4-4', breath: { in: 4, hold: 4, out: 4, rest: 4 } },
  478: { label: '4-7-8 breathing (in 4, hold 7, out 8)', breath: { in: 4, hold: 7, out: 8, rest: 0 } },
  custom: { label: 'Custom', breath: null },
};

const PHASES = ['in', 'hold', 'out', 'rest'];

export const PHASE_WORDS = {
  in: 'Breathe in',
  hold: 'Hold',
  out: 'Breathe out',
  rest: 'Rest',
};

function sameBreath(a, b) {
  return a && b && PHASES.every((p) => Number(a[p]) === Number(b[p]));
}

/** breathKind names a breath setting: none, box, 478 or custom. */
export function breathKind(breath) {
  if (!breath) return 'none';
  if (sameBreath(breath, BREATHS.box.breath)) return 'box';
  if (sameBreath(breath, BREATHS[478].breath)) return '478';
  return 'custom';
}

/** breathLabel says a breath setting in a few words. */
export function breathLabel(breath) {
  const kind = breathKind(breath);
  if (kind === 'none') return 'no breathing pacer';
  if (kind === 'box') return 'box breathing 4-4-4-4';
  if (kind === '478') return '4-7-8 breathing';
  return `breathing ${PHASES.map((p) => Number(breath[p]) || 0).join('-')}`;
}

/**
 * breathAt is where the breathing pacer is at server time `now`:
 * {phase: 'in'|'hold'|'out'|'rest', secondsLeft, progress (0–1 within the
 * phase), scale (0.5–1, the circle's size)}. Null without a pacer.
 */
export function breathAt(breath, cycleStart, now) {
  if (!breath) return null;
  const lengths = PHASES.map((p) => Math.max(0, Number(breath[p]) || 0) * 1000);
  const cycle = lengths.reduce((a, b) => a + b, 0);
  if (cycle <= 0) return null;
  const start = Number(cycleStart) || 0;
  let t = (now - start) % cycle;
  if (t < 0) t += cycle;
  let index = 0;
  while (index < 3 && (t >= lengths[index] || lengths[index] === 0)) {
    t -= lengths[index];
    index += 1;
  }
  const length = lengths[index] || 1;
  const progress = Math.min(1, Math.max(0, t / length));
  const phase = PHASES[index];
  const eased = (1 - Math.cos(Math.PI * progress)) / 2;
  let scale = 0.5;
  if (phase === 'in') scale = 0.5 + 0.5 * eased;
  else if (phase === 'hold') scale = 1;
  else if (phase === 'out') scale = 1 - 0.5 * eased;
  return { phase, secondsLeft: Math.max(1, Math.ceil((length - t) / 1000)), progress, scale };
}

/** groundingLeft is the pause's remaining time in ms at server time `now`. */
export function groundingLeft(activity, now) {
  if (!activity) return 0;
  if (activity.paused) return Math.max(0, Number(activity.remaining) || 0);
  return Math.max(0, (Number(activity.endsAt) || 0) - now);
}

/** reducedMotion is the reader's motion preference, live. */
export const reducedMotion = typeof window !== 'undefined' && window.matchMedia
  ? window.matchMedia('(prefers-reduced-motion: reduce)')
  : { matches: false, addEventListener() {}, removeEventListener() {} };

/**
 * groundingDisplay is the countdown and the breathing pacer, the same for the
 * console and the participant. It ticks by itself (a 250 ms interval, and
 * every animation frame when motion is welcome), always from now(): call
 * update(activity) when the activity changes, destroy() when it leaves.
 *
 * Hooks: #grounding-remaining (text "2:45"), #grounding-state, #breath-phase
 * (data-phase in|hold|out|rest, with a readable label).
 */
export function groundingDisplay({ now, size = 'large', onState }) {
  const remaining = h('p', { id: 'grounding-remaining', class: 'countdown', role: 'timer', 'aria-live': 'off' }, '0:00');
  const stateLine = h('p', { id: 'grounding-state', class: 'grounding-state', role: 'status' });
  const circle = h('div', { class: 'pacer-circle', 'aria-hidden': 'true' });
  const phaseWord = h('span', { class: 'pacer-word' });
  const phaseCount = h('span', { class: 'pacer-count' });
  const label = h('p', { class: 'pacer-label' }, phaseWord, phaseCount);
  const pacer = h('div', { id: 'breath-phase', class: `pacer pacer-${size}`, dataset: { phase: 'in' } },
    h('div', { class: 'pacer-stage' }, circle), label);
  const root = h('div', { class: `grounding-display grounding-${size}` }, pacer, remaining, stateLine);

  let activity = null;
  let frozenAt = null; // the server time the pacer stands still at while paused
  let lastState = '';
  let interval = 0;
  let frame = 0;
  let destroyed = false;

  function paint() {
    if (!activity || destroyed) return;
    const t = now();
    const left = groundingLeft(activity, t);
    const complete = !activity.paused && left <= 0;
    setText(remaining, formatClock(left));
    const words = clockWords(left);
    if (remaining.getAttribute('aria-label') !== words) remaining.setAttribute('aria-label', words);

    const state = activity.paused ? 'paused' : complete ? 'complete' : 'running';
    if (state !== lastState) {
      lastState = state;
      root.dataset.state = state;
      setText(stateLine, state === 'paused' ? 'Paused' : state === 'complete' ? 'The pause is complete' : '');
      if (onState) onState(state);
    }

    const breath = activity.breath || null;
    pacer.hidden = !breath;
    if (!breath) return;
    let at = t;
    if (activity.paused) {
      if (frozenAt == null) {
        frozenAt = Number(activity.endsAt) && Number.isFinite(Number(activity.remaining))
          ? Number(activity.endsAt) - Number(activity.remaining) : t;
      }
      at = frozenAt;
    } else {
      frozenAt = null;
    }
    const b = breathAt(breath, activity.cycleStart, at);
    if (!b) {
      pacer.hidden = true;
      return;
    }
    const reduced = reducedMotion.matches;
    const phase = complete ? 'rest' : b.phase;
    if (pacer.dataset.phase !== phase) pacer.dataset.phase = phase;
    pacer.classList.toggle('reduced', reduced);
    const word = PHASE_WORDS[phase];
    if (complete) {
      setText(phaseWord, 'Rest');
      setText(phaseCount, '');
      circle.style.transform = 'scale(0.5)';
    } else if (activity.paused) {
      setText(phaseWord, 'Paused');
      setText(phaseCount, '');
      circle.style.transform = reduced ? '' : `scale(${b.scale.toFixed(3)})`;
    } else {
      setText(phaseWord, reduced ? `${word}…` : word);
      setText(phaseCount, String(b.secondsLeft));
      circle.style.transform = reduced ? '' : `scale(${b.scale.toFixed(3)})`;
    }
  }

  function loop() {
    frame = 0;
    if (destroyed) return;
    paint();
    if (!reducedMotion.matches) frame = window.requestAnimationFrame(loop);
  }

  function onMotion() {
    if (frame) window.cancelAnimationFrame(frame);
    frame = 0;
    if (!destroyed && !reducedMotion.matches) frame = window.requestAnimationFrame(loop);
    paint();
  }

  function start() {
    if (interval || destroyed) return;
    // The interval keeps the text right where animation frames are
    // throttled (a background tab); frames keep the circle smooth.
    interval = window.setInterval(paint, 250);
    reducedMotion.addEventListener('change', onMotion);
    onMotion();
  }

  return {
    root,
    update(next) {
      if (activity && next && (activity.paused !== next.paused || activity.cycleStart !== next.cycleStart)) frozenAt = null;
      activity = next;
      start();
      paint();
    },
    destroy() {
      destroyed = true;
      window.clearInterval(interval);
      if (frame) window.cancelAnimationFrame(frame);
      reducedMotion.removeEventListener('change', onMotion);
    },
  };
}

// --- the check-out word cloud ---------------------------------------------------

/**
 * wordCloud is the group's words as a list: the more people chose a word,
 * the larger it is (1rem to 2.6rem). Words are user text: inserted as text.
 * Hook: ul#{id} > li[data-word][data-count].
 */
export function wordCloud(cloud, id) {
  const words = (Array.isArray(cloud) ? cloud : []).filter((w) => w && typeof w.word === 'string' && w.word);
  const max = words.reduce((m, w) => Math.max(m, Number(w.count) || 1), 1);
  const list = h('ul', { id, class: 'plain cloud', 'aria-label': 'The group’s words' },
    words.map((w) => {
      const count = Math.max(1, Number(w.count) || 1);
      const people = count === 1 ? '1 person' : `${count} people`;
      const li = h('li', { dataset: { word: w.word, count: String(count) }, 'aria-label': `${w.word}, ${people}` },
        h('span', { class: 'cloud-word' }, w.word),
        h('span', { class: 'visually-hidden' }, `, ${people}`));
      const size = max > 1 ? 1 + 1.6 * ((count - 1) / (max - 1)) : 1.5;
      li.style.fontSize = `${size.toFixed(2)}rem`;
      if (count === max && max > 1) li.classList.add('top');
      return li;
    }));
  return list;
}

// --- the settings form ----------------------------------------------------------

/** blankValues are the settings form's fields for a new item of any kind. */
export function blankValues() {
  return {
    title: '',
    checkinPrompt: DEFAULT_CHECKIN_PROMPT,
    visibility: 'group',
    minutes: '3',
    seconds: '0',
    breath: 'box',
    bIn: '4', bHold: '4', bOut: '4', bRest: '4',
    checkoutPrompt: DEFAULT_CHECKOUT_PROMPT,
    closingCheck: true,
    intentionsPrompt: DEFAULT_INTENTIONS_PROMPT,
    reveal: 'anonymous',
    commitment: true,
    circlePrompt: DEFAULT_CIRCLE_PROMPT,
    circleMode: 'round',
    circleOrder: 'roster',
    shareMinutes: '5',
  };
}

/** valuesOf turns an item into the settings form's fields. */
export function valuesOf(item) {
  const v = blankValues();
  if (!item) return v;
  v.title = item.title || '';
  if (item.kind === 'checkin') {
    v.checkinPrompt = item.prompt || '';
    if (VISIBILITY[item.visibility]) v.visibility = item.visibility;
  } else if (item.kind === 'grounding') {
    const s = Math.max(0, Math.round(Number(item.seconds) || 0));
    v.minutes = String(Math.floor(s / 60));
    v.seconds = String(s % 60);
    v.breath = breathKind(item.breath);
    if (item.breath) {
      v.bIn = String(item.breath.in ?? 4);
      v.bHold = String(item.breath.hold ?? 0);
      v.bOut = String(item.breath.out ?? 4);
      v.bRest = String(item.breath.rest ?? 0);
    }
  } else if (item.kind === 'checkout') {
    v.checkoutPrompt = item.prompt || '';
    v.closingCheck = Boolean(item.closingCheck);
  } else if (item.kind === 'intentions') {
    v.intentionsPrompt = item.prompt || '';
    if (REVEAL[item.reveal]) v.reveal = item.reveal;
    v.commitment = Boolean(item.commitment);
  } else if (item.kind === 'circle') {
    v.circlePrompt = item.prompt || '';
    if (CIRCLE_MODES[item.mode]) v.circleMode = item.mode;
    if (SPEAKING_ORDERS[item.order]) v.circleOrder = item.order;
    v.shareMinutes = String(Math.round((Number(item.shareSeconds) || 0) / 60));
  }
  return v;
}

function wholeNumber(text) {
  const s = String(text ?? '').trim();
  if (s === '') return 0;
  return /^\d+$/.test(s) ? Number(s) : NaN;
}

/**
 * itemFrom checks the settings form's fields for one kind and returns
 * {item} (without id) or {error, field} (the field's key, to focus it).
 */
export function itemFrom(kind, v) {
  const title = (v.title || '').trim();
  if (title.length > 100) return { error: 'The title can be at most 100 characters.', field: 'title' };
  const item = { kind };
  if (title) item.title = title;
  if (kind === 'checkin') {
    const prompt = (v.checkinPrompt || '').trim();
    if (!prompt) return { error: 'Please write the check-in’s prompt.', field: 'checkinPrompt' };
    if (prompt.length > 300) return { error: 'The prompt can be at most 300 characters.', field: 'checkinPrompt' };
    item.prompt = prompt;
    item.visibility = VISIBILITY[v.visibility] ? v.visibility : 'group';
  } else if (kind === 'grounding') {
    const minutes = wholeNumber(v.minutes);
    const seconds = wholeNumber(v.seconds);
    if (Number.isNaN(minutes)) return { error: 'Minutes must be a whole number.', field: 'minutes' };
    if (Number.isNaN(seconds) || seconds > 59) return { error: 'Seconds must be a whole number from 0 to 59.', field: 'seconds' };
    const total = minutes * 60 + seconds;
    if (total < 10 || total > 1800) return { error: 'The pause can last from 10 seconds to 30 minutes.', field: 'minutes' };
    item.seconds = total;
    if (v.breath === 'none') item.breath = null;
    else if (v.breath === 'box' || v.breath === '478') item.breath = { ...BREATHS[v.breath].breath };
    else {
      const b = { in: wholeNumber(v.bIn), hold: wholeNumber(v.bHold), out: wholeNumber(v.bOut), rest: wholeNumber(v.bRest) };
      const keys = { in: 'bIn', hold: 'bHold', out: 'bOut', rest: 'bRest' };
      for (const p of PHASES) {
        if (Number.isNaN(b[p]) || b[p] > 20) return { error: 'Each part of the breath is a whole number of seconds from 0 to 20.', field: keys[p] };
      }
      if (b.in < 1) return { error: 'Breathing in takes at least 1 second.', field: 'bIn' };
      if (b.out < 1) return { error: 'Breathing out takes at least 1 second.', field: 'bOut' };
      item.breath = b;
    }
  } else if (kind === 'checkout') {
    const prompt = (v.checkoutPrompt || '').trim();
    if (!prompt) return { error: 'Please write the check-out’s prompt.', field: 'checkoutPrompt' };
    if (prompt.length > 300) return { error: 'The prompt can be at most 300 characters.', field: 'checkoutPrompt' };
    item.prompt = prompt;
    item.closingCheck = Boolean(v.closingCheck);
  } else if (kind === 'intentions') {
    const prompt = (v.intentionsPrompt || '').trim();
    if (!prompt) return { error: 'Please write the prompt for the intentions.', field: 'intentionsPrompt' };
    if (prompt.length > 300) return { error: 'The prompt can be at most 300 characters.', field: 'intentionsPrompt' };
    item.prompt = prompt;
    item.reveal = REVEAL[v.reveal] ? v.reveal : 'anonymous';
    item.commitment = Boolean(v.commitment);
  } else if (kind === 'circle') {
    const prompt = (v.circlePrompt || '').trim();
    if (!prompt) return { error: 'Please write what the circle is invited to share.', field: 'circlePrompt' };
    if (prompt.length > 300) return { error: 'The prompt can be at most 300 characters.', field: 'circlePrompt' };
    item.prompt = prompt;
    item.mode = CIRCLE_MODES[v.circleMode] ? v.circleMode : 'round';
    if (item.mode === 'round') item.order = SPEAKING_ORDERS[v.circleOrder] ? v.circleOrder : 'roster';
    const minutes = wholeNumber(v.shareMinutes);
    if (Number.isNaN(minutes) || minutes > 30) return { error: 'The time per share is a whole number of minutes from 0 (none) to 30.', field: 'shareMinutes' };
    if (minutes > 0) item.shareSeconds = minutes * 60;
  } else {
    return { error: 'Please choose a kind of activity.', field: 'kind' };
  }
  return { item };
}

/**
 * settingsFields builds the settings of every kind, showing the chosen
 * kind's. All ids start with `prefix` (e.g. "agenda-add-minutes"), so one
 * page may hold one form per prefix. onInput is called after any change.
 *
 * Returns {root, kind, setKind(kind), values(), setValues(v), read(), focus(key)}.
 */
export function settingsFields(prefix, { kind = 'checkin', values, onInput } = {}) {
  const v = { ...blankValues(), ...(values || {}) };
  const id = (name) => `${prefix}-${name}`;
  const changed = () => { if (onInput) onInput(); };

  const title = h('input', { type: 'text', id: id('title'), maxlength: 100, autocomplete: 'off', value: v.title });

  // check-in
  const checkinPrompt = h('input', { type: 'text', id: id('checkin-prompt'), maxlength: 300, autocomplete: 'off', value: v.checkinPrompt });
  const visibility = h('select', { id: id('visibility') },
    Object.entries(VISIBILITY).map(([value, label]) => h('option', { value }, label)));
  visibility.value = v.visibility;
  const checkinSet = h('div', { class: 'kind-fields', dataset: { kind: 'checkin' } },
    h('label', { for: checkinPrompt.id }, 'Prompt'), checkinPrompt,
    h('label', { for: visibility.id }, 'Who sees the answers'),
    h('p', { class: 'hint', id: id('visibility-hint') }, 'Facilitators always see every answer.'),
    visibility);
  visibility.setAttribute('aria-describedby', id('visibility-hint'));

  // grounding
  const minutes = h('input', { type: 'number', id: id('minutes'), min: 0, max: 30, step: 1, inputmode: 'numeric', class: 'short', value: v.minutes });
  const seconds = h('input', { type: 'number', id: id('seconds'), min: 0, max: 59, step: 1, inputmode: 'numeric', class: 'short', value: v.seconds });
  const breath = h('select', { id: id('breath') },
    Object.entries(BREATHS).map(([value, b]) => h('option', { value }, b.label)));
  breath.value = v.breath;
  const part = (name, labelText, value) => {
    const input = h('input', { type: 'number', id: id(`breath-${name}`), min: 0, max: 20, step: 1, inputmode: 'numeric', class: 'short', value });
    return [input, h('div', { class: 'mini-field' }, h('label', { for: input.id }, labelText), input)];
  };
  const [bIn, bInField] = part('in', 'In', v.bIn);
  const [bHold, bHoldField] = part('hold', 'Hold', v.bHold);
  const [bOut, bOutField] = part('out', 'Out', v.bOut);
  const [bRest, bRestField] = part('rest', 'Rest', v.bRest);
  const custom = h('fieldset', { class: 'custom-breath' },
    h('legend', null, 'Custom breath, in seconds'),
    h('p', { class: 'hint' }, 'Each 0 to 20 seconds; in and out at least 1.'),
    h('div', { class: 'mini-fields' }, bInField, bHoldField, bOutField, bRestField));
  const groundingSet = h('div', { class: 'kind-fields', dataset: { kind: 'grounding' } },
    h('fieldset', { class: 'length' },
      h('legend', null, 'Length of the pause'),
      h('div', { class: 'mini-fields' },
        h('div', { class: 'mini-field' }, h('label', { for: minutes.id }, 'Minutes'), minutes),
        h('div', { class: 'mini-field' }, h('label', { for: seconds.id }, 'Seconds'), seconds)),
      h('p', { class: 'hint' }, 'From 10 seconds to 30 minutes.')),
    h('label', { for: breath.id }, 'Breathing pacer'),
    breath, custom);

  // check-out
  const checkoutPrompt = h('input', { type: 'text', id: id('checkout-prompt'), maxlength: 300, autocomplete: 'off', value: v.checkoutPrompt });
  const closing = h('input', { type: 'checkbox', id: id('closing'), checked: Boolean(v.closingCheck) });
  const checkoutSet = h('div', { class: 'kind-fields', dataset: { kind: 'checkout' } },
    h('label', { for: checkoutPrompt.id }, 'Prompt'), checkoutPrompt,
    h('label', { class: 'checkbox', for: closing.id }, closing, 'Also ask how they leave (window of tolerance)'),
    h('p', { class: 'hint' }, 'Only facilitators see where each person is in their window. The group sees the words.'));

  // intentions
  const intentionsPrompt = h('input', { type: 'text', id: id('intentions-prompt'), maxlength: 300, autocomplete: 'off', value: v.intentionsPrompt });
  const reveal = h('select', { id: id('reveal'), 'aria-describedby': id('reveal-hint') },
    Object.entries(REVEAL).map(([value, label]) => h('option', { value }, label)));
  reveal.value = v.reveal;
  const commitment = h('input', { type: 'checkbox', id: id('commitment'), checked: Boolean(v.commitment) });
  const intentionsSet = h('div', { class: 'kind-fields', dataset: { kind: 'intentions' } },
    h('label', { for: intentionsPrompt.id }, 'Prompt'), intentionsPrompt,
    h('label', { for: reveal.id }, 'When revealed, the group sees the intentions'),
    h('p', { class: 'hint', id: id('reveal-hint') }, 'Each person writes privately; you reveal them all together. Facilitators always see names.'),
    reveal,
    h('label', { class: 'checkbox', for: commitment.id }, commitment, 'Ask each person for one step they will take this week'),
    h('p', { class: 'hint' }, 'Steps and reflections on earlier intentions are seen only by each person and the facilitators.'));
  // circle
  const circlePrompt = h('input', { type: 'text', id: id('circle-prompt'), maxlength: 300, autocomplete: 'off', value: v.circlePrompt });
  const circleMode = h('select', { id: id('circle-mode') },
    Object.entries(CIRCLE_MODES).map(([value, label]) => h('option', { value }, label)));
  circleMode.value = v.circleMode;
  const circleOrder = h('select', { id: id('circle-order') },
    Object.entries(SPEAKING_ORDERS).map(([value, label]) => h('option', { value }, label)));
  circleOrder.value = v.circleOrder;
  const orderField = h('div', { class: 'order-field' },
    h('label', { for: circleOrder.id }, 'Speaking order'),
    h('p', { class: 'hint', id: id('circle-order-hint') }, 'Late arrivals join the end; you can reorder who has not spoken.'),
    circleOrder);
  circleOrder.setAttribute('aria-describedby', id('circle-order-hint'));
  const shareMinutes = h('input', { type: 'number', id: id('share-minutes'), min: 0, max: 30, step: 1, inputmode: 'numeric', class: 'short',
    value: v.shareMinutes, 'aria-describedby': id('share-hint') });
  const circleSet = h('div', { class: 'kind-fields', dataset: { kind: 'circle' } },
    h('label', { for: circlePrompt.id }, 'Invitation to share'), circlePrompt,
    h('label', { for: circleMode.id }, 'How the talking piece moves'), circleMode,
    orderField,
    h('label', { for: shareMinutes.id }, 'Minutes per share'),
    h('p', { class: 'hint', id: id('share-hint') }, '0 for no time. When the time is up everyone sees a gentle signal; nobody is cut off.'),
    shareMinutes);

  const titleField = h('div', { class: 'title-field' },
    h('label', { for: title.id }, 'Title (optional)'), title);

  const root = h('div', { class: 'settings-fields' }, checkinSet, groundingSet, checkoutSet, intentionsSet, circleSet, titleField);
  let current = KINDS[kind] ? kind : 'checkin';

  const inputs = {
    title, checkinPrompt, visibility, minutes, seconds, breath, bIn, bHold, bOut, bRest, checkoutPrompt, closingCheck: closing,
    intentionsPrompt, reveal, commitment,
    circlePrompt, circleMode, circleOrder, shareMinutes,
  };

  function show() {
    for (const set of [checkinSet, groundingSet, checkoutSet, intentionsSet, circleSet]) set.hidden = set.dataset.kind !== current;
    orderField.hidden = circleMode.value !== 'round';
    custom.hidden = breath.value !== 'custom';
    title.placeholder = KINDS[current] ? KINDS[current].title : '';
  }

  root.addEventListener('input', () => { show(); changed(); });
  root.addEventListener('change', () => { show(); changed(); });
  show();

  function currentValues() {
    return {
      title: title.value,
      checkinPrompt: checkinPrompt.value,
      visibility: visibility.value,
      minutes: minutes.value,
      seconds: seconds.value,
      breath: breath.value,
      bIn: bIn.value, bHold: bHold.value, bOut: bOut.value, bRest: bRest.value,
      checkoutPrompt: checkoutPrompt.value,
      closingCheck: closing.checked,
      intentionsPrompt: intentionsPrompt.value,
      reveal: reveal.value,
      commitment: commitment.checked,
      circlePrompt: circlePrompt.value,
      circleMode: circleMode.value,
      circleOrder: circleOrder.value,
      shareMinutes: shareMinutes.value,
    };
  }

  return {
    root,
    get kind() { return current; },
    setKind(next) {
      current = KINDS[next] ? next : 'checkin';
      show();
    },
    values: currentValues,
    setValues(next) {
      const all = { ...blankValues(), ...(next || {}) };
      for (const [key, input] of Object.entries(inputs)) {
        if (input.type === 'checkbox') input.checked = Boolean(all[key]);
        else input.value = all[key] ?? '';
      }
      show();
    },
    read() {
      return itemFrom(current, currentValues());
    },
    focus(key) {
      const input = inputs[key];
      if (input) input.focus();
    },
  };
}

/** kindSelect is the select of the kinds of activity. */
export function kindSelect(id, value) {
  const select = h('select', { id },
    Object.entries(KINDS).map(([kind, k]) => h('option', { value: kind }, k.label)));
  select.value = KINDS[value] ? value : 'checkin';
  return select;
}

/** statusBadge is an item's status as words and a shape. */
export function statusBadge(status) {
  const s = STATUS[status] ? status : 'pending';
  const icon = { pending: '○', running: '●', done: '✓', skipped: '–' }[s];
  return h('span', { class: `badge status status-${s}` },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), ' ', STATUS[s]);
}

/** stripItem keeps only what an agenda item sends back to the server. */
export function stripItem(item, { keepId = true } = {}) {
  const out = { kind: item.kind };
  if (keepId && item.id && !String(item.id).startsWith('new-')) out.id = item.id;
  if (item.title) out.title = item.title;
  if (item.kind === 'checkin') {
    out.prompt = item.prompt;
    out.visibility = item.visibility;
  } else if (item.kind === 'grounding') {
    out.seconds = item.seconds;
    out.breath = item.breath ? { in: item.breath.in, hold: item.breath.hold, out: item.breath.out, rest: item.breath.rest } : null;
  } else if (item.kind === 'checkout') {
    out.prompt = item.prompt;
    out.closingCheck = Boolean(item.closingCheck);
  } else if (item.kind === 'intentions') {
    out.prompt = item.prompt;
    out.reveal = item.reveal;
    out.commitment = Boolean(item.commitment);
  } else {
    // A kind this page does not know: send back what it had, untouched.
    for (const [key, value] of Object.entries(item)) {
      if (key !== 'status' && key !== 'id' && !(key in out)) out[key] = value;
    }
  }
  return out;
}
