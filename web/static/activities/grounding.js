// grounding.js — the grounding pause (docs/protocol.md, "The grounding
// activity"): a countdown and an optional breathing pacer, the same second
// and the same breath on every screen.
//
// The clock and the pacer never keep time of their own: every tick
// recomputes everything from the server's clock (live.serverNow()), so every
// screen shows the same second and the same breath, across reconnects.

import { h, setText, announce, formError } from '../dom.js';
import {
  stepTitle, actions, reducedMotion, formatDuration, formatClock, clockWords, wholeNumber, choiceSelect,
} from './view.js';

const BREATHS = {
  none: { label: 'No breathing pacer', breath: null },
  box: { label: 'Box breathing 4-4-4-4', breath: { in: 4, hold: 4, out: 4, rest: 4 } },
  478: { label: '4-7-8 breathing (in 4, hold 7, out 8)', breath: { in: 4, hold: 7, out: 8, rest: 0 } },
  custom: { label: 'Custom', breath: null },
};

const PHASES = ['in', 'hold', 'out', 'rest'];

const PHASE_WORDS = {
  in: 'Breathe in',
  hold: 'Hold',
  out: 'Breathe out',
  rest: 'Rest',
};

function sameBreath(a, b) {
  return a && b && PHASES.every((p) => Number(a[p]) === Number(b[p]));
}

/** breathKind names a breath setting: none, box, 478 or custom. */
function breathKind(breath) {
  if (!breath) return 'none';
  if (sameBreath(breath, BREATHS.box.breath)) return 'box';
  if (sameBreath(breath, BREATHS[478].breath)) return '478';
  return 'custom';
}

/** breathLabel says a breath setting in a few words. */
function breathLabel(breath) {
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
function breathAt(breath, cycleStart, now) {
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
function groundingLeft(activity, now) {
  if (!activity) return 0;
  if (activity.paused) return Math.max(0, Number(activity.remaining) || 0);
  return Math.max(0, (Number(activity.endsAt) || 0) - now);
}

/**
 * groundingDisplay is the countdown and the breathing pacer, the same for the
 * console and the participant. It ticks by itself (a 250 ms interval, and
 * every animation frame when motion is welcome), always from now(): call
 * update(activity) when the activity changes, destroy() when it leaves.
 *
 * Hooks: #grounding-remaining (text "2:45"), #grounding-state, #breath-phase
 * (data-phase in|hold|out|rest, with a readable label).
 */
function groundingDisplay({ now, size = 'large', onState }) {
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

// --- the participant ------------------------------------------------------------

function participant(activity, { live }) {
  const heading = h('h2', { id: 'grounding-heading' }, 'A pause together');
  const lead = h('p', { class: 'muted grounding-lead' });
  let announced = '';
  const display = groundingDisplay({
    now: () => live.roomNow(),
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
      setText(heading, stepTitle(state.room, a, 'A pause together'));
      paintLead(a);
      display.update(a);
    },
    destroy() {
      display.destroy();
      reducedMotion.removeEventListener('change', onMotion);
    },
  };
}

// --- the console -------------------------------------------------------------------

function consoleView(activity, { live }) {
  const heading = h('h2', { id: 'activity-heading' }, 'Grounding pause');
  const settingsLine = h('p', { class: 'muted small' });
  const pause = h('button', { type: 'button', id: 'grounding-pause' }, 'Pause');
  const resume = h('button', { type: 'button', id: 'grounding-resume', class: 'primary', hidden: true }, 'Resume');
  const extend = h('button', { type: 'button', id: 'grounding-extend' }, '+1 min', h('span', { class: 'visually-hidden' }, ' (extend the pause by one minute)'));
  const end = h('button', { type: 'button', id: 'end-activity' }, 'End grounding');
  const error = formError('grounding-error');
  const display = groundingDisplay({
    now: () => live.serverNow(),
    size: 'small',
    onState(s) {
      if (s === 'complete') {
        end.classList.add('primary');
        announce('The grounding pause is complete.');
      } else {
        end.classList.remove('primary');
      }
    },
  });

  const act = actions(live, error);
  pause.addEventListener('click', () => act(pause, 'grounding.pause', {}, 'Paused for everyone.'));
  resume.addEventListener('click', () => act(resume, 'grounding.resume', {}, 'Resumed for everyone.'));
  extend.addEventListener('click', () => act(extend, 'grounding.extend', { seconds: 60 }, 'One more minute for everyone.'));
  end.addEventListener('click', () => act(end, 'activity.end', {}));

  const root = h('div', { id: 'grounding', class: 'grounding-console' },
    heading, settingsLine,
    display.root,
    error,
    h('div', { class: 'actions' }, pause, resume, extend, end));

  return {
    root,
    update(state) {
      const a = state.room.activity;
      setText(heading, stepTitle(state.room, a, 'Grounding pause'));
      setText(settingsLine, [formatDuration(a.seconds) && `Planned: ${formatDuration(a.seconds)}`, breathLabel(a.breath)].filter(Boolean).join(' · '));
      const hadFocus = document.activeElement;
      pause.hidden = Boolean(a.paused);
      resume.hidden = !a.paused;
      root.dataset.paused = a.paused ? 'true' : 'false';
      if (hadFocus === pause && a.paused) resume.focus();
      if (hadFocus === resume && !a.paused) pause.focus();
      display.update(a);
    },
    destroy() {
      display.destroy();
    },
  };
}

// --- the agenda's settings --------------------------------------------------------------

const PART_KEYS = { in: 'bIn', hold: 'bHold', out: 'bOut', rest: 'bRest' };

const settings = {
  blank: () => ({
    minutes: '3', seconds: '0', breath: 'box', bIn: '4', bHold: '4', bOut: '4', bRest: '4',
  }),
  fromItem(item) {
    const s = Math.max(0, Math.round(Number(item.seconds) || 0));
    const v = { minutes: String(Math.floor(s / 60)), seconds: String(s % 60), breath: breathKind(item.breath) };
    if (item.breath) {
      v.bIn = String(item.breath.in ?? 4);
      v.bHold = String(item.breath.hold ?? 0);
      v.bOut = String(item.breath.out ?? 4);
      v.bRest = String(item.breath.rest ?? 0);
    }
    return v;
  },
  fields(id, v) {
    const number = (name, max, value) => h('input', {
      type: 'number', id: id(name), min: 0, max, step: 1, inputmode: 'numeric', class: 'short', value,
    });
    const miniField = (input, labelText) => h('div', { class: 'mini-field' }, h('label', { for: input.id }, labelText), input);
    const minutes = number('minutes', 30, v.minutes);
    const seconds = number('seconds', 59, v.seconds);
    const breath = choiceSelect(id('breath'), BREATHS, v.breath);
    const parts = { in: 'In', hold: 'Hold', out: 'Out', rest: 'Rest' };
    const inputs = { minutes, seconds, breath };
    for (const p of PHASES) inputs[PART_KEYS[p]] = number(`breath-${p}`, 20, v[PART_KEYS[p]]);
    const custom = h('fieldset', { class: 'custom-breath' },
      h('legend', null, 'Custom breath, in seconds'),
      h('p', { class: 'hint' }, 'Each 0 to 20 seconds; in and out at least 1.'),
      h('div', { class: 'mini-fields' }, PHASES.map((p) => miniField(inputs[PART_KEYS[p]], parts[p]))));
    return {
      nodes: [
        h('fieldset', { class: 'length' },
          h('legend', null, 'Length of the pause'),
          h('div', { class: 'mini-fields' }, miniField(minutes, 'Minutes'), miniField(seconds, 'Seconds')),
          h('p', { class: 'hint' }, 'From 10 seconds to 30 minutes.')),
        h('label', { for: breath.id }, 'Breathing pacer'),
        breath, custom],
      inputs,
      refresh() { custom.hidden = breath.value !== 'custom'; },
    };
  },
  toItem(v) {
    const minutes = wholeNumber(v.minutes);
    const seconds = wholeNumber(v.seconds);
    if (Number.isNaN(minutes)) return { error: 'Minutes must be a whole number.', field: 'minutes' };
    if (Number.isNaN(seconds) || seconds > 59) return { error: 'Seconds must be a whole number from 0 to 59.', field: 'seconds' };
    const total = minutes * 60 + seconds;
    if (total < 10 || total > 1800) return { error: 'The pause can last from 10 seconds to 30 minutes.', field: 'minutes' };
    if (v.breath === 'none') return { fields: { seconds: total, breath: null } };
    if (v.breath === 'box' || v.breath === '478') return { fields: { seconds: total, breath: { ...BREATHS[v.breath].breath } } };
    const b = {};
    for (const p of PHASES) {
      b[p] = wholeNumber(v[PART_KEYS[p]]);
      if (Number.isNaN(b[p]) || b[p] > 20) return { error: 'Each part of the breath is a whole number of seconds from 0 to 20.', field: PART_KEYS[p] };
    }
    if (b.in < 1) return { error: 'Breathing in takes at least 1 second.', field: 'bIn' };
    if (b.out < 1) return { error: 'Breathing out takes at least 1 second.', field: 'bOut' };
    return { fields: { seconds: total, breath: b } };
  },
  line: (item) => [formatDuration(item.seconds), breathLabel(item.breath)].filter(Boolean).join(' · '),
  wire: (item) => ({
    seconds: item.seconds,
    breath: item.breath ? { in: item.breath.in, hold: item.breath.hold, out: item.breath.out, rest: item.breath.rest } : null,
  }),
};

// --- memory -----------------------------------------------------------------------------

function summary(g) {
  const ran = Math.round((g.ran || 0) / 1e9);
  return h('p', null,
    `A pause of ${formatDuration(g.seconds)}`,
    g.breath ? ` with a breathing pacer (${breathLabel(g.breath)})` : '',
    g.endedEarly ? `; ended early, after ${formatDuration(ran) || 'a moment'}` : '', '.');
}

// journey says how long the pause really lasted, pauses and an early end
// included; a pause recorded before its length was kept has no `ran`, and
// says what was planned, as it always did.
function journey(g) {
  if (!g.ran) return h('p', null, `A grounding pause of ${formatDuration(g.seconds)}, together.`);
  const lasted = formatDuration(Math.round(g.ran / 1e9)) || 'a moment';
  return h('p', null, `A grounding pause together, for ${lasted}`,
    g.endedEarly ? ` (${formatDuration(g.seconds)} were planned)` : '', '.');
}

export default {
  kind: 'grounding',
  label: 'Grounding',
  title: 'Grounding pause',
  startedText: () => 'A grounding pause has begun. Take your time.',
  participant,
  console: consoleView,
  settings,
  summary,
  journey,
};
