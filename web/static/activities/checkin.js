// checkin.js — the arrival check-in (docs/protocol.md, "The check-in"):
// each participant says how they arrive (0–10, their window of tolerance, a
// feeling word, a sentence); the group sees the answers, an anonymous
// summary, or nothing, as the facilitator chose. Facilitators see every
// answer, and those outside the window first.

import {
  h, setText, fill, formatTime, formError, field, busy, STATES, stateBadge, plural,
} from '../dom.js';
import { outboxForm, readDraft } from '../outbox-form.js';
import {
  actions, count, consoleHead, answered, attention, newlyOutside, outside, missingLine, stateChoices,
  promptField, textInput, choiceSelect, quoted,
} from './view.js';

const DEFAULT_PROMPT = 'How are you arriving today?';

/**
 * VISIBILITY is who sees the answers, in the words of each place that says
 * it: the settings' choice, an agenda line, the note above the
 * participant's form, the session summary.
 */
const VISIBILITY = {
  group: {
    label: 'Shared with the group (names and answers)',
    short: 'shared with the group',
    note: 'Your answer will be seen by the group and your facilitators.',
    summary: 'shared with the group',
  },
  facilitators: {
    label: 'Facilitators only',
    short: 'facilitators only',
    note: 'Only your facilitators see the answers',
    summary: 'facilitators only',
  },
  anonymous: {
    label: 'The group sees an anonymous summary',
    short: 'anonymous summary',
    note: 'The group sees only an anonymous summary. Your facilitators see your answer.',
    summary: 'anonymous to the group',
  },
};

/** said is one of a visibility's words ('' for one this page does not know). */
function said(visibility, which) {
  return Object.hasOwn(VISIBILITY, visibility || '') ? VISIBILITY[visibility][which] : '';
}

function formatAverage(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(1) : '–';
}

/**
 * aggregateView shows a check-in's anonymous summary: how many answered,
 * the average, and how many in each state (numbers in words, bars only as
 * decoration).
 */
function aggregateView(aggregate, id) {
  const agg = aggregate || {};
  const n = count(agg.count);
  const states = agg.states || {};
  const summary = n === 0
    ? 'No answers yet.'
    : `${n === 1 ? '1 answer' : `${n} answers`} · average ${formatAverage(agg.scaleAverage)} out of 10`;
  const rows = Object.entries(STATES).map(([state, s]) => {
    const k = count(states[state]);
    const bar = h('span');
    bar.style.width = `${n ? Math.round((k / n) * 100) : 0}%`;
    return h('li', { class: 'bar-row' },
      h('span', null, h('span', { class: 'icon', 'aria-hidden': 'true' }, s.icon), ' ', s.label),
      h('span', { class: 'bar', 'aria-hidden': 'true' }, bar),
      h('span', { class: 'count' }, String(k)));
  });
  return h('div', { id, class: 'aggregate' },
    h('p', { class: 'progress-line' }, summary),
    h('ul', { class: 'plain aggregate' }, rows));
}

// --- the participant ------------------------------------------------------------

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

function myAnswer(state) {
  return state.room && state.room.mine && state.room.mine.answer ? state.room.mine.answer : null;
}

/** answerForm is the check-in's form, built once per check-in so nothing typed is reset. */
function answerForm(live, draftKey, mine) {
  const saved = readDraft(draftKey);
  const initial = saved ? saved.values
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
  const stateSet = h('fieldset', null,
    h('legend', null, 'Where are you in your window of tolerance?'),
    stateChoices('state', initial.state));

  const feeling = h('input', {
    type: 'text', id: 'answer-feeling', name: 'feeling', maxlength: 40, autocomplete: 'off',
    'aria-describedby': 'feeling-hint', value: initial.feeling || '',
  });
  const note = h('textarea', {
    id: 'answer-note', name: 'note', maxlength: 500, rows: 3, 'aria-describedby': 'note-hint', value: initial.note || '',
  });
  const sender = outboxForm({
    live, type: 'checkin.answer', draftKey, id: 'answer', big: true, dirtyNote: true,
    fields: [
      scaleSet, stateSet,
      h('label', { for: 'answer-feeling' }, 'A feeling word (optional)'),
      h('p', { class: 'hint', id: 'feeling-hint' }, 'One word for how you feel, if you like.'),
      feeling,
      h('label', { for: 'answer-note' }, 'Anything you would like to say (optional)'),
      h('p', { class: 'hint', id: 'note-hint' }, 'A sentence or two, up to 500 characters.'),
      note],
    values(form) {
      const data = new FormData(form);
      return {
        scale: String(data.get('scale') ?? ''), state: String(data.get('state') ?? ''), feeling: feeling.value, note: note.value,
      };
    },
    check(v, form) {
      if (v.scale !== '' && v.state !== '') return null;
      const missing = v.scale === '' ? 'a number from 0 to 10' : 'where you are in your window';
      return {
        error: `Please choose ${missing}.`,
        focus: form.querySelector(v.scale === '' ? 'input[name="scale"]' : 'input[name="state"]'),
      };
    },
    data: (v) => ({ scale: Number(v.scale), state: v.state, feeling: v.feeling.trim(), note: v.note.trim() }),
    mine: () => myAnswer(live.state),
    same: sameAnswer,
    show(m) {
      for (const input of scaleSet.querySelectorAll('input[name="scale"]')) input.checked = input.value === String(m.scale);
      for (const input of stateSet.querySelectorAll('input[name="state"]')) input.checked = input.value === m.state;
      feeling.value = m.feeling || '';
      note.value = m.note || '';
    },
    text: {
      sending: 'Sharing your check-in…',
      kept: 'Your check-in is kept on this device and will be shared when the connection is back.',
      shared: 'Your check-in is shared',
      dirty: 'You have changes that are not shared yet.',
      share: 'Share my check-in',
      change: 'Update my check-in',
      closed: 'The check-in closed before your answer could be shared.',
      failed: 'Your check-in could not be shared. Please try again.',
    },
  });
  return { root: sender.form, paint: sender.paint };
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
  const progress = h('p', { class: 'progress-line' }, `${count(activity.answeredCount)} of ${count(activity.expected)} have answered`);
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

function participant(activity, { live, draftKey: keyFor }) {
  const draftKey = keyFor(activity.id);
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

  function update(state) {
    const a = state.room.activity;
    const mine = myAnswer(state);
    setText(prompt, a.prompt || '');
    setText(visibilityNote, said(a.visibility, 'note'));
    if (a.open) {
      if (!form) {
        form = answerForm(live, draftKey, mine);
        fill(formSlot, form.root);
      }
      form.paint();
      closedNote.hidden = true;
      mineEl.hidden = true;
      unsentEl.hidden = true;
    } else {
      if (form) {
        fill(formSlot);
        form = null;
      }
      closedNote.hidden = false;
      renderMine(mineEl, mine);
      renderUnsent(unsentEl, readDraft(draftKey), mine);
    }
    renderResults(results, a, state.you);
  }

  return { root, update };
}

// --- the console ------------------------------------------------------------------

function consoleView(activity, { live, arrivals }) {
  const head = consoleHead('Arrival check-in', 'attention-heading');
  const answers = answered({
    heading: 'Answers', id: 'answers', none: 'No answers yet.',
    waitingHeading: 'Not answered yet', waitingHeadingId: 'not-answered-heading', waitingId: 'not-answered',
  });
  const aggregate = h('div');
  const error = formError('checkin-action-error');
  const closeBtn = h('button', { type: 'button', id: 'close-checkin', class: 'primary' }, 'Close check-in');
  const endBtn = h('button', { type: 'button', id: 'end-activity', class: 'primary' }, 'Back to gathering');
  const act = actions(live, error);
  const say = newlyOutside((x) => `${x.name}: ${STATES[x.state].label}, ${x.scale} of 10.`);

  closeBtn.addEventListener('click', () => act(closeBtn, 'checkin.close', {}));
  endBtn.addEventListener('click', () => act(endBtn, 'activity.end', {}));

  const root = h('div', null,
    head.nodes,
    answers.nodes,
    h('h3', null, 'Summary'), aggregate,
    error,
    h('div', { class: 'actions' }, closeBtn, endBtn));

  function answerRow(a) {
    return h('li', { dataset: { answerMember: a.memberId, state: a.state || '' } },
      h('div', { class: 'row-head' },
        h('span', { class: 'name' }, a.name || ''),
        h('span', { class: 'scale' }, `${a.scale} / 10`),
        stateBadge(a.state, outside(a.state) ? 'strong' : ''),
        a.feeling ? h('span', { class: 'feeling' }, a.feeling) : null,
        a.at ? h('span', { class: 'at' }, formatTime(a.at)) : null),
      a.note ? h('p', { class: 'note preserve' }, a.note) : null);
  }

  function update(state) {
    const room = state.room;
    const a = room.activity;
    const list = Array.isArray(a.answers) ? a.answers : [];
    // The check-out shows beside each word how its writer arrived.
    arrivals.take(list);
    const answeredIds = new Set(Array.isArray(a.answered) ? a.answered : list.map((x) => x.memberId));
    head.paint(room, a);
    setText(head.badge, a.open ? 'Open' : 'Closed');
    head.badge.className = a.open ? 'badge live' : 'badge';
    setText(head.about, `Answers: ${said(a.visibility, 'label') || a.visibility || ''}`);
    setText(head.progress, `${count(a.answeredCount, answeredIds.size)} of ${count(a.expected)} have answered`);

    // Outside the window of tolerance: named at the top, in words and colour.
    attention(head.attention, 'attention-heading', list, {
      one: '1 person is outside their window',
      many: (n) => `${n} people are outside their window`,
      detail: (x) => `${x.scale}/10`,
    });

    setText(answers.waitingTitle, a.open ? 'Not answered yet' : 'Did not answer');
    answers.paint(room, list, answerRow, answeredIds, a.open ? 'Everyone present has answered.' : 'Everyone present answered.');

    fill(aggregate, aggregateView(a.aggregate, 'checkin-aggregate'));

    closeBtn.hidden = !a.open;
    endBtn.hidden = a.open;
    say(list);
  }

  return { root, update };
}

/**
 * startForm is the console's "start an arrival check-in now", offered while
 * the room gathers, outside the agenda. heading names it (its id is
 * checkin-form-heading); visibility is the choice it starts with
 * (anonymous unless the caller knows better).
 */
function startForm(live, heading, { visibility: start = 'anonymous' } = {}) {
  const prompt = h('input', { type: 'text', id: 'checkin-prompt', name: 'prompt', required: true, maxlength: 300, value: DEFAULT_PROMPT, autocomplete: 'off' });
  const visibility = choiceSelect('checkin-visibility', VISIBILITY, said(start, 'label') ? start : 'anonymous', { name: 'visibility' });
  const error = formError('checkin-error');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start arrival check-in');
  const form = h('form', { id: 'checkin-form', 'aria-labelledby': heading.id },
    field('Prompt', prompt),
    field('Who sees the answers', visibility, 'Facilitators always see every answer.'),
    error,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    const text = prompt.value.trim();
    if (!text) {
      setText(error, 'Please write a prompt.');
      prompt.focus();
      return;
    }
    if (live.state.connection !== 'open') setText(error, 'The check-in will start as soon as the connection is back.');
    busy(submit, () => live.send('checkin.start', { prompt: text, visibility: visibility.value }).catch((err) => {
      setText(error, err.message);
    }));
  });
  return form;
}

/** marks are what the console's list of people shows beside each who answered. */
function marks(activity) {
  const out = new Map();
  for (const a of Array.isArray(activity.answers) ? activity.answers : []) {
    out.set(a.memberId, [h('span', { class: 'muted small' }, `${a.scale}/10`), stateBadge(a.state)]);
  }
  return out;
}

// --- the agenda's settings --------------------------------------------------------------

const settings = {
  blank: () => ({ checkinPrompt: DEFAULT_PROMPT, visibility: 'group' }),
  fromItem: (item) => ({
    checkinPrompt: item.prompt || '',
    ...(said(item.visibility, 'label') ? { visibility: item.visibility } : {}),
  }),
  fields(id, v) {
    const checkinPrompt = textInput(id('checkin-prompt'), v.checkinPrompt);
    const visibility = choiceSelect(id('visibility'), VISIBILITY, v.visibility, { 'aria-describedby': id('visibility-hint') });
    return {
      nodes: [
        h('label', { for: checkinPrompt.id }, 'Prompt'), checkinPrompt,
        h('label', { for: visibility.id }, 'Who sees the answers'),
        h('p', { class: 'hint', id: id('visibility-hint') }, 'Facilitators always see every answer.'),
        visibility],
      inputs: { checkinPrompt, visibility },
    };
  },
  toItem(v) {
    const p = promptField(v, 'checkinPrompt', 'Please write the check-in’s prompt.');
    if (p.error) return p;
    return { fields: { prompt: p.prompt, visibility: said(v.visibility, 'label') ? v.visibility : 'group' } };
  },
  line: (item) => [quoted(item.prompt), said(item.visibility, 'short')].filter(Boolean).join(' · '),
  wire: (item) => ({ prompt: item.prompt, visibility: item.visibility }),
};

// --- memory -----------------------------------------------------------------------------

function answerItem(a) {
  return h('li', { dataset: { state: a.state, answerName: a.name } },
    h('div', { class: 'row-head' },
      h('span', { class: 'name' }, a.name),
      h('span', { class: 'scale' }, `${a.scale}/10`),
      stateBadge(a.state),
      a.feeling ? h('span', { class: 'feeling' }, a.feeling) : null,
      h('span', { class: 'at' }, formatTime(a.at))),
    a.note ? h('p', { class: 'note preserve' }, a.note) : null);
}

function summary(ci) {
  return [
    h('p', { class: 'prompt-line' }, `“${ci.prompt}”`, h('span', { class: 'muted small' }, ` · ${said(ci.visibility, 'summary')}`)),
    ci.answers.length
      ? h('p', { class: 'small' }, `${plural(ci.answers.length, '1 answer', 'answers')} · average ${ci.scaleAverage.toFixed(1)} out of 10`)
      : h('p', { class: 'muted' }, 'No answers.'),
    h('ul', { class: 'plain answers' }, ci.answers.map(answerItem)),
    missingLine(ci.unanswered, 'No answer from'),
  ];
}

function answerLine(a, who) {
  // On the participant's side states are words, never alarms: no colours.
  return h('li', null,
    h('div', { class: 'row-head' },
      who ? h('span', { class: 'name' }, who) : null,
      h('span', { class: 'scale' }, `${a.scale}/10`),
      stateBadge(a.state, 'quiet-state'),
      a.feeling ? h('span', { class: 'feeling' }, a.feeling) : null),
    a.note ? h('p', { class: 'note preserve' }, a.note) : null);
}

function journey(ci) {
  const out = [h('p', { class: 'prompt-line' }, `“${ci.prompt}”`)];
  if (ci.mine) {
    out.push(h('p', { class: 'small label-line' }, 'You'), h('ul', { class: 'plain answers' }, answerLine(ci.mine, null)));
    if (ci.visibility === 'facilitators') out.push(h('p', { class: 'muted small' }, 'Your answer went to the facilitators only.'));
  } else {
    out.push(h('p', { class: 'muted small' }, 'You did not answer this one.'));
  }
  if (ci.group && ci.group.length) {
    out.push(h('p', { class: 'small label-line' }, 'Shared with the group'),
      h('ul', { class: 'plain answers' }, ci.group.map((a) => answerLine(a, a.name))));
  }
  if (ci.aggregate) {
    const s = ci.aggregate.states || {};
    out.push(h('p', { class: 'small' },
      `The group, without names: ${ci.aggregate.count} answers, average ${Number(ci.aggregate.scaleAverage).toFixed(1)} out of 10; `,
      `${s.within || 0} within the window, ${s.hyper || 0} hyper-aroused, ${s.hypo || 0} hypo-aroused.`));
  }
  return out;
}

export default {
  kind: 'checkin',
  label: 'Check-in',
  title: 'Arrival check-in',
  startedText: (a) => `The check-in has started: ${a.prompt || ''}`,
  participant,
  console: consoleView,
  marks,
  settings,
  summary,
  journey,
  startForm,
};
