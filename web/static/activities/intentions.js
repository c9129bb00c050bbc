// intentions.js — the shared intentions (docs/protocol.md, "The intentions
// activity"): each participant writes privately, the facilitator reveals
// them all together; earlier intentions come back to their owner, who says
// what became of each and may turn one into a step for the week.
//
// A participant's earlier intentions come only in their own
// `mine.intentions`. What they write is kept on this device per
// participant, not per activity, so a reveal, a reconnect, a reload or the
// facilitator moving on never loses it: an unsent intention is still there
// the next time intentions are written.

import {
  h, setText, announce, fill, formatTime, formError, plural,
} from '../dom.js';
import { outboxForm, readDraft } from '../outbox-form.js';
import {
  stepTitle, actions, count, consoleHead, answered, revealedBadge, missingLine, promptField, textInput, choiceSelect, quoted,
} from './view.js';

const MAX_INTENTION = 300;
const MAX_STEP = 200;
const DEFAULT_PROMPT = 'What would you like to carry into the coming week?';

/** OUTCOMES are the words for what became of an earlier intention. */
const OUTCOMES = {
  lived: { label: 'Lived it', icon: '✓' },
  still: { label: 'Still with it', icon: '◐' },
  letgo: { label: 'Let it go', icon: '○' },
};

/** REVEAL says how intentions are shown once the facilitator reveals them. */
const REVEAL = {
  anonymous: 'Without names',
  named: 'With names',
};

const REVEAL_NOTE = {
  named: 'When your facilitator reveals them, everyone’s intentions are shown together, with names.',
  anonymous: 'When your facilitator reveals them, everyone’s intentions are shown together, without names.',
};

const REVEAL_WORDS = { named: 'with names', anonymous: 'without names' };

function outcomeWords(outcome) {
  return (OUTCOMES[outcome] || { label: outcome }).label;
}

/** myPart returns the participant's own part of this activity, or an empty one. */
function myPart(state, activity) {
  const mine = state.room && state.room.mine && state.room.mine.intentions;
  // A part left over from an earlier run of intentions is not this one's.
  if (mine && mine.activityId === activity.id) return mine;
  return { activityId: activity.id, past: [], lastCommitments: [] };
}

// --- the participant --------------------------------------------------------------

/** intentionForm is the participant's intention, built once so incoming events never reset it. */
function intentionForm(live, activity, draftKey) {
  const text = h('textarea', {
    id: 'intention-text', name: 'intention', rows: 3, maxlength: MAX_INTENTION,
    'aria-describedby': 'intention-hint intention-kept',
  });
  const keptNote = h('p', { id: 'intention-kept', class: 'hint', hidden: true });
  const revealHint = h('span');

  const sentText = () => {
    const my = myPart(live.state, activity);
    return my.intention ? my.intention.text : '';
  };
  const sender = outboxForm({
    live, type: 'intention.write', draftKey, draftExtra: { activityId: activity.id }, id: 'intention', big: true,
    fields: [
      h('label', { for: 'intention-text' }, 'Your intention'),
      h('p', { class: 'hint', id: 'intention-hint' }, `A sentence for yourself, up to ${MAX_INTENTION} characters. Nobody sees it before the reveal. `, revealHint),
      keptNote, text],
    values: () => ({ text: text.value }),
    check: (v) => (v.text.trim() ? null : { error: 'Please write your intention first.', focus: text }),
    data: (v) => ({ text: v.text.trim() }),
    mine: () => (sentText() ? { text: sentText() } : null),
    same: (v, m) => v.text.trim() === m.text.trim(),
    show(m) { text.value = m.text; },
    onSend() { keptNote.hidden = true; },
    text: {
      sending: 'Sharing your intention…',
      kept: 'Your intention is kept on this device and will be shared when the connection is back.',
      shared: 'Your intention is set.',
      dirty: 'You have changes that are not shared yet.',
      share: 'Set my intention',
      change: 'Change my intention',
      closed: 'The activity ended before your intention could be shared. What you wrote is kept on this device.',
      failed: 'Your intention could not be shared. Please try again.',
    },
  });

  // The first values wait for the first state: what they sent, unless they
  // were writing something else.
  const saved = readDraft(draftKey);
  let filled = false;
  function fillText() {
    if (filled) return;
    filled = true;
    const mineText = sentText();
    const draft = saved && typeof saved.values.text === 'string' ? saved.values.text : '';
    if (draft && draft.trim() !== mineText.trim()) {
      text.value = draft;
      if (saved.activityId !== activity.id) {
        setText(keptNote, 'You were writing this last time; it was not shared. It is kept on this device: share it, change it or let it go.');
        keptNote.hidden = false;
      }
    } else {
      text.value = mineText;
    }
  }

  return {
    root: sender.form,
    paint(a) {
      setText(revealHint, REVEAL_NOTE[a.reveal] || '');
      fillText();
      sender.paint();
    },
  };
}

/** reflectRow is one earlier intention with its three outcomes; a choice is sent at once. */
function reflectRow(live, p) {
  const name = `outcome-${p.id}`;
  const inputs = Object.keys(OUTCOMES).map((value) => h('input', { type: 'radio', name, value, id: `${name}-${value}` }));
  const earlierSteps = (p.commitments || []).map((c) => h('li', null, `Your step${c.sessionTitle ? ` (${c.sessionTitle})` : ''}: `, h('span', { class: 'preserve' }, c.step)));
  const before = (p.reflections || []).map((r) => h('li', null, `${r.sessionTitle || 'Earlier'}: ${outcomeWords(r.outcome)}`));
  let reflection = p.reflection || '';
  const chosen = () => (inputs.find((x) => x.checked) || {}).value || '';
  const sender = outboxForm({
    live, type: 'intention.reflect', draftKey: null, statusClass: 'hint reflect-status',
    fields: h('fieldset', { class: 'outcome-choices' },
      h('legend', null, 'What became of it?', h('span', { class: 'visually-hidden' }, ` “${p.text}”`)),
      h('div', { class: 'outcome-grid' }, inputs.map((input) => {
        const o = OUTCOMES[input.value];
        return h('label', { class: 'choice' }, input,
          h('span', { class: 'face' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, o.icon), ' ', o.label));
      }))),
    values: () => ({ outcome: chosen() }),
    check: (v) => (v.outcome ? null : { error: '' }),
    data: (v) => ({ intentionId: p.id, outcome: v.outcome }),
    match: (entry) => entry.data && entry.data.intentionId === p.id,
    mine: () => (reflection ? { outcome: reflection } : null),
    same: (v, m) => v.outcome === m.outcome,
    text: {
      sending: 'Keeping it…',
      kept: 'Keeping it…',
      shared: 'Kept. Only you and your facilitators see this.',
      dirty: '',
      closed: 'The activity ended before this could be kept.',
      failed: 'This could not be kept. Please try again.',
    },
  });
  const li = h('li', { dataset: { intentionId: p.id } },
    h('p', { class: 'past-text preserve' }, p.text),
    h('p', { class: 'hint' }, p.sessionTitle ? `Set in ${p.sessionTitle}` : 'Set earlier'),
    earlierSteps.length || before.length ? h('ul', { class: 'past-notes small' }, earlierSteps, before) : null,
    sender.form);
  return {
    li,
    paint(next, pendingHere) {
      reflection = next.reflection || '';
      // The server's word, unless a choice of theirs is still on its way.
      if (!pendingHere) for (const input of inputs) input.checked = input.value === reflection;
      sender.paint();
    },
  };
}

/** stepForm turns one of the participant's intentions into a step for the week. */
function stepForm(live, activity, draftKey) {
  const saved = readDraft(draftKey);
  const first = myPart(live.state, activity);
  const select = h('select', { id: 'intention-step-for', 'aria-describedby': 'intention-step-for-hint' });
  const step = h('input', {
    type: 'text', id: 'intention-step', maxlength: MAX_STEP, autocomplete: 'off', 'aria-describedby': 'intention-step-hint',
    value: saved && typeof saved.values.step === 'string' ? saved.values.step : (first.commitment ? first.commitment.step : ''),
  });
  let chosen = saved && saved.values.intentionId ? saved.values.intentionId : (first.commitment ? first.commitment.intentionId : '');

  const sender = outboxForm({
    live, type: 'intention.commit', draftKey, id: 'intention-step',
    fields: [
      h('label', { for: 'intention-step-for' }, 'For which intention'),
      h('p', { class: 'hint', id: 'intention-step-for-hint' }, 'Your intention today, or one from before.'),
      select,
      h('label', { for: 'intention-step' }, 'One step I will take this week'),
      h('p', { class: 'hint', id: 'intention-step-hint' }, `Small and concrete, up to ${MAX_STEP} characters. Only you and your facilitators see it.`),
      step],
    values: () => ({ step: step.value, intentionId: select.value }),
    check(v) {
      if (!v.intentionId) return { error: 'Set your intention first, or choose one from before.' };
      if (!v.step.trim()) return { error: 'Please write the step first.', focus: step };
      return null;
    },
    data: (v) => ({ intentionId: v.intentionId, step: v.step.trim() }),
    mine: () => myPart(live.state, activity).commitment || null,
    same: (v, m) => v.step.trim() === m.step && v.intentionId === m.intentionId,
    onInput() { chosen = select.value; },
    text: {
      sending: 'Keeping your step…',
      kept: 'Your step is kept on this device and will be shared when the connection is back.',
      shared: 'Your step is kept.',
      dirty: 'You have changes that are not kept yet.',
      share: 'Keep this step',
      change: 'Change my step',
      closed: 'The activity ended before your step could be kept. It is still here on this device.',
      failed: 'Your step could not be kept. Please try again.',
    },
  });

  return {
    root: sender.form,
    paint(state) {
      const mine = myPart(state, activity);
      const options = [];
      if (mine.intention) options.push([mine.intention.id, `Today: ${mine.intention.text}`]);
      for (const p of mine.past || []) options.push([p.id, `${p.sessionTitle || 'Before'}: ${p.text}`]);
      const key = JSON.stringify(options);
      if (select.dataset.key !== key) {
        select.dataset.key = key;
        fill(select, options.length ? null : h('option', { value: '' }, 'Set your intention first'),
          options.map(([value, label]) => h('option', { value }, label.length > 80 ? `${label.slice(0, 79)}…` : label)));
      }
      if (options.some(([value]) => value === chosen)) select.value = chosen;
      else if (options.length) chosen = select.value;
      select.disabled = options.length === 0;
      sender.paint();
    },
  };
}

/**
 * participant is a participant's intentions panel.
 *
 * Hooks: #intentions; #intention-form, #intention-text, #intention-submit,
 * #intention-status; #intentions-progress; #intentions-past > li[data-intention-id]
 * with input[name="outcome-{id}"]; #intentions-last-steps; #intention-step-form,
 * #intention-step-for, #intention-step, #intention-step-submit,
 * #intention-step-status; #intentions-shown > li.
 */
function participant(activity, { live, draftKey }) {
  const textKey = draftKey('intention');
  const title = h('h2', { id: 'intentions-heading' }, 'Intentions');
  const lastSteps = h('section', { id: 'intentions-last-steps', class: 'mine', hidden: true, 'aria-labelledby': 'last-steps-heading' });
  const pastBox = h('section', { class: 'intentions-past-box', hidden: true, 'aria-labelledby': 'past-heading' });
  const prompt = h('p', { class: 'prompt' });
  const progress = h('p', { id: 'intentions-progress', class: 'progress-line' });
  const revealedNote = h('p', { id: 'intentions-note', class: 'notice', role: 'status', hidden: true });
  const stepBox = h('section', { class: 'intention-step-box', hidden: true, 'aria-labelledby': 'step-heading' });
  const shownBox = h('section', { class: 'results', hidden: true, 'aria-labelledby': 'shown-heading' });
  const form = intentionForm(live, activity, textKey);

  const root = h('section', { id: 'intentions', class: 'panel intentions', 'aria-labelledby': 'intentions-heading' },
    title, lastSteps, pastBox, prompt, form.root, progress, revealedNote, shownBox, stepBox);

  let revealedBefore = null;

  const pastRows = new Map(); // intention id → its reflectRow
  function paintPast(my) {
    const past = Array.isArray(my.past) ? my.past : [];
    pastBox.hidden = past.length === 0;
    if (past.length === 0) return;
    if (!pastBox.firstChild) {
      pastBox.append(
        h('h3', { id: 'past-heading' }, past.length === 1 ? 'Your intention from before' : 'Your intentions from before'),
        h('p', { class: 'hint' }, 'Only you and your facilitators see these and what you say of them.'),
        h('ul', { id: 'intentions-past', class: 'plain past-list' }));
    }
    const list = pastBox.querySelector('#intentions-past');
    const pending = new Set(live.pending('intention.reflect').map((e) => e.data && e.data.intentionId));
    for (const p of past) {
      let row = pastRows.get(p.id);
      if (!row) {
        row = reflectRow(live, p);
        pastRows.set(p.id, row);
        list.append(row.li);
      }
      row.paint(p, pending.has(p.id));
    }
  }

  function paintLastSteps(my) {
    const steps = Array.isArray(my.lastCommitments) ? my.lastCommitments : [];
    lastSteps.hidden = steps.length === 0;
    const key = JSON.stringify(steps);
    if (steps.length === 0 || lastSteps.dataset.key === key) return;
    lastSteps.dataset.key = key;
    fill(lastSteps,
      h('h3', { id: 'last-steps-heading' }, 'Last time, you said you would…'),
      h('ul', { class: 'plain' }, steps.map((c) => h('li', null,
        h('p', { class: 'step-text preserve' }, c.step),
        c.intentionText ? h('p', { class: 'hint' }, 'For: ', h('span', { class: 'preserve' }, c.intentionText)) : null))),
      h('p', { class: 'hint' }, 'However it went is welcome. You can say what became of the intention below.'));
  }

  let step = null;
  function paintStep(state, a) {
    stepBox.hidden = !a.commitment;
    if (!a.commitment) return;
    if (!step) {
      step = stepForm(live, activity, draftKey(`intention-step.${activity.id}`));
      stepBox.append(
        h('h3', { id: 'step-heading' }, 'Turn an intention into a step'),
        h('p', { class: 'hint' }, 'If you like: one thing you will do this week for one of your intentions.'),
        step.root);
    }
    step.paint(state);
  }

  function paintShown(a, you) {
    shownBox.hidden = !a.revealed;
    if (a.revealed) {
      const shown = Array.isArray(a.shown) ? a.shown : [];
      const key = JSON.stringify(shown);
      if (shownBox.dataset.key !== key) {
        shownBox.dataset.key = key;
        fill(shownBox,
          h('h3', { id: 'shown-heading' }, 'The group’s intentions'),
          shown.length
            ? h('ul', { id: 'intentions-shown', class: 'plain shown-list' }, shown.map((x) => h('li', null,
              x.name ? h('p', { class: 'shown-name' }, x.name, you && x.memberId === you.id ? ' (you)' : '') : null,
              h('p', { class: 'shown-text preserve' }, x.text))))
            : h('p', { class: 'muted' }, 'No intentions were shared.'));
      }
      if (revealedBefore === false) announce('The group’s intentions are shown.');
    }
    revealedBefore = Boolean(a.revealed);
  }

  function update(state) {
    const a = state.room.activity;
    const my = myPart(state, activity);
    setText(title, stepTitle(state.room, a, 'Intentions'));
    setText(prompt, a.prompt || '');
    form.paint(a);
    paintLastSteps(my);
    paintPast(my);
    setText(progress, `${count(a.writtenCount)} of ${count(a.expected)} have written`);
    revealedNote.hidden = !a.revealed || (Boolean(my.intention) && !my.held);
    setText(revealedNote, my.held
      ? 'Your intention is kept. The group sees it together with another new or changed one, or when this activity ends, so nobody can tell which is yours.'
      : 'The intentions are shown now. You can still share yours: it joins them.');
    paintStep(state, a);
    paintShown(a, state.you);
  }

  return {
    root,
    update,
    destroy() {
      // Moving on never takes what they were writing: it stays on this
      // device for the next time intentions are written.
      const draft = readDraft(textKey);
      if (draft && draft.values.text && draft.values.text.trim()) announce('What you were writing is kept on this device.');
    },
  };
}

// --- the console ------------------------------------------------------------------

/**
 * consoleView is the facilitator's intentions activity: every intention as it
 * comes, who has not written, the reveal, and each participant's journey.
 *
 * Hooks: #intentions-console; #intentions-list > li[data-member-id];
 * #intentions-not-written; #intentions-reveal; #end-activity;
 * #journeys > li[data-member-id].
 */
function consoleView(activity, { live }) {
  const head = consoleHead('Intentions');
  const list = answered({
    heading: 'Intentions', id: 'intentions-list', none: 'No intentions yet.',
    waitingHeading: 'Not written yet', waitingId: 'intentions-not-written',
  });
  const revealNote = h('p', { class: 'hint' });
  const reveal = h('button', { type: 'button', id: 'intentions-reveal', class: 'primary' }, 'Reveal the intentions');
  const end = h('button', { type: 'button', id: 'end-activity' }, 'End intentions');
  const error = formError('intentions-error');
  const journeys = h('ul', { id: 'journeys', class: 'plain journeys' });
  const act = actions(live, error);
  const seen = new Set();
  let first = true;

  reveal.addEventListener('click', () => act(reveal, 'intention.reveal', {}, 'The intentions are shown to everyone.'));
  end.addEventListener('click', () => act(end, 'activity.end', {}));

  const root = h('div', { id: 'intentions-console' },
    head.nodes,
    list.nodes,
    revealNote, error,
    h('div', { class: 'actions' }, reveal, end),
    h('h3', { id: 'journeys-heading', class: 'journeys-heading' }, 'Journeys'),
    h('p', { class: 'hint' }, 'Each person’s intentions over the sessions, with what they said of them and their steps. Only facilitators see this, and each person their own.'),
    journeys);

  function journeyRow(j) {
    const past = Array.isArray(j.past) ? j.past : [];
    const items = past.map((p) => h('li', { dataset: { intentionId: p.id } },
      h('p', { class: 'past-text preserve' }, p.text),
      h('p', { class: 'muted small' }, p.sessionTitle ? `Set in ${p.sessionTitle}` : 'Set earlier'),
      h('ul', { class: 'past-notes small' },
        (p.commitments || []).map((c) => h('li', null, `Step${c.sessionTitle ? ` (${c.sessionTitle})` : ''}: `, h('span', { class: 'preserve' }, c.step))),
        (p.reflections || []).map((r) => h('li', null, `${r.sessionTitle || 'Earlier'}: ${outcomeWords(r.outcome)}`)),
        p.reflection ? h('li', { class: 'today' }, `Today: ${outcomeWords(p.reflection)}`) : null)));
    const hasSomething = past.length || j.current || j.commitment;
    return h('li', { dataset: { memberId: j.memberId } },
      h('details', { open: Boolean(hasSomething) },
        h('summary', null, h('span', { class: 'name' }, j.name || ''),
          h('span', { class: 'muted small' }, ` · ${past.length === 1 ? '1 earlier intention' : `${past.length} earlier intentions`}`)),
        j.current ? h('p', null, h('strong', null, 'Today: '), h('span', { class: 'preserve' }, j.current.text)) : h('p', { class: 'muted small' }, 'No intention today yet.'),
        j.commitment ? h('p', { class: 'step-line' }, h('strong', null, 'Step this week: '), h('span', { class: 'preserve' }, j.commitment.step),
          j.commitment.intentionText ? h('span', { class: 'muted small' }, ' — for “', j.commitment.intentionText, '”') : null) : null,
        items.length ? h('ul', { class: 'plain past-list' }, items) : null));
  }

  function update(state) {
    const room = state.room;
    const a = room.activity;
    const written = Array.isArray(a.intentions) ? a.intentions : [];
    head.paint(room, a);
    revealedBadge(head.badge, a.revealed);
    setText(head.about, [
      a.reveal === 'named' ? 'Revealed with names' : 'Revealed without names',
      a.commitment ? 'asks each person for one step' : '',
    ].filter(Boolean).join(' · '));
    const n = count(a.writtenCount, written.length);
    setText(head.progress, `${n} of ${count(a.expected)} have written`);

    list.paint(room, written, (w) => h('li', { dataset: { memberId: w.memberId || '' } },
      h('div', { class: 'row-head' },
        h('span', { class: 'name' }, w.name || ''),
        w.at ? h('span', { class: 'at' }, formatTime(w.at)) : null),
      h('p', { class: 'note preserve' }, w.text)), new Set(written.map((w) => w.memberId)), 'Everyone present has written.');

    let note = a.revealed
      ? 'Everyone sees the intentions now. Intentions that come in still join them.'
      : 'Only facilitators see the intentions until you reveal them.';
    if (!a.revealed && a.reveal === 'anonymous' && n > 0 && n < 3) {
      note += ' With fewer than three, people may guess who wrote which.';
    }
    setText(revealNote, note);
    reveal.hidden = Boolean(a.revealed);

    const js = Array.isArray(a.journeys) ? a.journeys : [];
    const key = JSON.stringify(js);
    if (journeys.dataset.key !== key) {
      // Keep which journeys the facilitator opened or closed.
      const open = new Map([...journeys.querySelectorAll('li[data-member-id] > details')].map((d) => [d.parentElement.dataset.memberId, d.open]));
      journeys.dataset.key = key;
      fill(journeys, ...js.map((j) => {
        const li = journeyRow(j);
        if (open.has(j.memberId)) li.querySelector('details').open = open.get(j.memberId);
        return li;
      }));
    }

    for (const w of written) {
      if (!first && !seen.has(w.memberId)) announce(`${w.name} has written an intention.`);
      seen.add(w.memberId);
    }
    first = false;
  }

  return { root, update };
}

// --- the agenda's settings --------------------------------------------------------------

const settings = {
  blank: () => ({ intentionsPrompt: DEFAULT_PROMPT, reveal: 'anonymous', commitment: true }),
  fromItem: (item) => ({
    intentionsPrompt: item.prompt || '',
    ...(REVEAL[item.reveal] ? { reveal: item.reveal } : {}),
    commitment: Boolean(item.commitment),
  }),
  fields(id, v) {
    const intentionsPrompt = textInput(id('intentions-prompt'), v.intentionsPrompt);
    const reveal = choiceSelect(id('reveal'), REVEAL, v.reveal, { 'aria-describedby': id('reveal-hint') });
    const commitment = h('input', { type: 'checkbox', id: id('commitment'), checked: Boolean(v.commitment) });
    return {
      nodes: [
        h('label', { for: intentionsPrompt.id }, 'Prompt'), intentionsPrompt,
        h('label', { for: reveal.id }, 'When revealed, the group sees the intentions'),
        h('p', { class: 'hint', id: id('reveal-hint') }, 'Each person writes privately; you reveal them all together. Facilitators always see names.'),
        reveal,
        h('label', { class: 'checkbox', for: commitment.id }, commitment, 'Ask each person for one step they will take this week'),
        h('p', { class: 'hint' }, 'Steps and reflections on earlier intentions are seen only by each person and the facilitators.')],
      inputs: { intentionsPrompt, reveal, commitment },
    };
  },
  toItem(v) {
    const p = promptField(v, 'intentionsPrompt', 'Please write the prompt for the intentions.');
    if (p.error) return p;
    return { fields: { prompt: p.prompt, reveal: REVEAL[v.reveal] ? v.reveal : 'anonymous', commitment: Boolean(v.commitment) } };
  },
  line: (item) => [quoted(item.prompt), item.reveal === 'named' ? 'revealed with names' : 'revealed without names',
    item.commitment ? 'asks for one step' : ''].filter(Boolean).join(' · '),
  wire: (item) => ({ prompt: item.prompt, reveal: item.reveal, commitment: Boolean(item.commitment) }),
};

// --- memory -----------------------------------------------------------------------------

/** outcomeLabel is what became of an earlier intention: a shape and words. */
function outcomeLabel(outcome) {
  const o = OUTCOMES[outcome] || { label: outcome, icon: '' };
  return h('span', { class: 'badge wait outcome', dataset: { outcome } }, h('span', { class: 'icon', 'aria-hidden': 'true' }, o.icon), ' ', o.label);
}

/** setIn says where an earlier intention was set ("" for this session's). */
function setIn(sessionTitle) {
  return sessionTitle ? h('span', { class: 'muted small' }, ` (set in ${sessionTitle})`) : null;
}

/** whoTable is a summary's table with a row per person (key names its class and heading id). */
function whoTable(key, n, heading, columns, rows, row) {
  return [
    h('h4', { id: `${key}-${n}` }, heading),
    h('table', { class: `memory-table ${key}`, 'aria-labelledby': `${key}-${n}` },
      h('thead', null, h('tr', null, ['Who', ...columns].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.map(row)))];
}

/**
 * summary is an intentions activity in the session's summary: every
 * intention with its writer's name (facilitators read them all, whatever
 * the group saw), the reflections on earlier intentions, and the steps.
 * Hooks: ul.intentions-list > li[data-intention-name]; table.reflections
 * tr[data-reflection-name]; table.steps tr[data-step-name].
 */
function summary(ins, { n }) {
  const reveal = ins.revealed
    ? `revealed to the group ${REVEAL_WORDS[ins.reveal] || ''} at ${formatTime(ins.revealedAt)}`
    : `not revealed to the group (it would have been ${REVEAL_WORDS[ins.reveal] || ''})`;
  const list = (ins.intentions || []).map((w) => h('li', { dataset: { intentionName: w.name } },
    h('div', { class: 'row-head' }, h('span', { class: 'name' }, w.name), h('span', { class: 'at' }, formatTime(w.at))),
    h('p', { class: 'preserve intention-text' }, w.text)));
  const reflections = ins.reflections || [];
  const steps = ins.steps || [];
  return [
    ins.prompt ? h('p', { class: 'prompt-line' }, `“${ins.prompt}”`, h('span', { class: 'muted small' }, ` · ${reveal}`)) : h('p', { class: 'muted small' }, reveal),
    h('h4', { id: `intentions-${n}` }, 'Intentions'),
    list.length ? h('ul', { class: 'plain answers intentions-list', 'aria-labelledby': `intentions-${n}` }, list) : h('p', { class: 'muted' }, 'No intentions written.'),
    missingLine(ins.unwritten, 'No intention from'),
    reflections.length ? whoTable('reflections', n, 'Looking back on earlier intentions', ['Earlier intention', 'Said'], reflections, (r) => h('tr', { dataset: { reflectionName: r.name } },
      h('th', { scope: 'row' }, r.name),
      h('td', null, h('span', { class: 'preserve' }, r.intention || '–'), setIn(r.sessionTitle)),
      h('td', null, outcomeLabel(r.outcome)))) : null,
    steps.length ? whoTable('steps', n, 'Steps', ['Step', 'For the intention'], steps, (st) => h('tr', { dataset: { stepName: st.name } },
      h('th', { scope: 'row' }, st.name),
      h('td', { class: 'preserve' }, st.step),
      h('td', null, h('span', { class: 'preserve' }, st.intention || '–'), setIn(st.sessionTitle)))) : null,
  ];
}

/**
 * journey is the participant's own part of an intentions activity and,
 * when they were revealed, the group's intentions as they were shown: with
 * names or without.
 */
function journey(ins) {
  const out = [h('p', { class: 'prompt-line' }, `“${ins.prompt}”`)];
  out.push(ins.mine
    ? [h('p', { class: 'small label-line' }, 'Your intention'), h('p', { class: 'shown-text preserve' }, ins.mine.text)]
    : h('p', { class: 'muted small' }, 'You did not write an intention this time.'));
  if (ins.reflections && ins.reflections.length) {
    out.push(h('p', { class: 'small label-line' }, 'You looked back on'),
      h('ul', { class: 'plain reflection-list' }, ins.reflections.map((r) => {
        const o = OUTCOMES[r.outcome];
        return h('li', null,
          h('span', { class: 'preserve' }, `“${r.intention}”`),
          r.sessionTitle ? h('span', { class: 'muted small' }, ` (${r.sessionTitle})`) : null,
          ': ', h('strong', null, o ? [h('span', { 'aria-hidden': 'true' }, `${o.icon} `), o.label] : r.outcome));
      })));
  }
  if (ins.step) {
    out.push(h('p', { class: 'small label-line' }, 'Your step'),
      h('p', { class: 'preserve step-text' }, ins.step.step),
      ins.step.intention ? h('p', { class: 'muted small' }, `For “${ins.step.intention}”`) : null);
  }
  if (ins.revealed && ins.shown && ins.shown.length) {
    out.push(h('p', { class: 'small label-line' }, ins.reveal === 'anonymous' ? 'The group’s intentions, without names' : 'The group’s intentions'),
      h('ul', { class: 'plain shown-list' }, ins.shown.map((sh) => h('li', null,
        // Laid out as the room showed them; "You" stands for one's own name.
        sh.mine ? h('p', { class: 'shown-name' }, 'You') : (sh.name ? h('p', { class: 'shown-name' }, sh.name) : null),
        h('p', { class: 'shown-text preserve' }, sh.text)))));
  } else if (!ins.revealed) {
    out.push(h('p', { class: 'muted small' }, 'The intentions were not shown to the group this time.'));
  }
  return out;
}

/** intentionEvents are an intention's steps and reflections, in the order they were made. */
function intentionEvents(it) {
  const events = [
    ...it.steps.map((st) => ({ at: st.at, li: h('li', { class: 'step-line' }, h('strong', null, `Step, ${st.sessionTitle}: `), h('span', { class: 'preserve' }, st.step)) })),
    ...it.reflections.map((r) => ({ at: r.at, li: h('li', null, h('strong', null, `${r.sessionTitle}: `), outcomeLabel(r.outcome)) })),
  ];
  events.sort((a, b) => new Date(a.at) - new Date(b.at));
  return events.map((e) => e.li);
}

/**
 * overview is the cohort overview's panel of intention journeys: each
 * participant's intentions across the sessions, oldest first, each with
 * what they later said of it and the steps they took for it. Only
 * facilitators see this.
 * Hooks: #intentions; #intention-journeys > section[data-person-id] li[data-intention-id].
 */
function overview(data) {
  const journeys = data.intentions || [];
  const body = journeys.length === 0
    ? h('p', { class: 'muted' }, 'No intentions yet. When the group sets intentions in a session, each one’s journey across the sessions shows here.')
    : h('div', { id: 'intention-journeys' },
      h('p', { class: 'hint' }, 'Each person’s intentions, oldest first, with what they said of them in later sessions and the steps they committed to. Only facilitators see this; each participant sees their own, and the others’ only as they were revealed.'),
      journeys.map((j) => h('section', { class: 'intention-journey', dataset: { personId: j.participantId }, 'aria-labelledby': `journey-${j.participantId}` },
        h('h3', { id: `journey-${j.participantId}` }, j.name,
          h('span', { class: 'muted small' }, ` · ${plural(j.intentions.length, '1 intention', 'intentions')}`)),
        h('ol', { class: 'plain intention-path' }, j.intentions.map((it) => h('li', { dataset: { intentionId: it.id } },
          h('p', { class: 'preserve intention-text' }, it.text),
          h('p', { class: 'muted small' }, `Set in ${it.sessionTitle}`),
          (it.reflections.length || it.steps.length)
            ? h('ul', { class: 'plain intention-events' }, intentionEvents(it))
            : h('p', { class: 'muted small' }, 'Not looked back on yet.')))))));
  return h('section', { class: 'panel', id: 'intentions', 'aria-labelledby': 'intentions-heading' },
    h('h2', { id: 'intentions-heading' }, 'Intention journeys'), body);
}

export default {
  kind: 'intentions',
  label: 'Intentions',
  title: 'Intentions',
  startedText: (a) => `Intentions have begun: ${a.prompt || ''}`,
  participant,
  console: consoleView,
  settings,
  summary,
  journey,
  overview,
};
