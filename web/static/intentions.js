// intentions.js — the shared intentions activity (docs/protocol.md, "The
// intentions activity"): the participant's view and the facilitator's.
//
// A participant writes privately; their earlier intentions (from the
// cohort's earlier sessions) come only in their own `mine.intentions`, where
// they reflect on each and may turn one into a step. What they type is kept
// in localStorage per participant, not per activity, so a reveal, a
// reconnect, a reload or the facilitator moving on never loses it: an unsent
// intention is still there the next time intentions are written.

import {
  h, setText, announce, fill, formatTime, formError, busy, presenceLabel, storage,
} from './dom.js';
import { itemTitle } from './agenda.js';

export const MAX_INTENTION = 300;
export const MAX_STEP = 200;

/** OUTCOMES are the words for what became of an earlier intention. */
export const OUTCOMES = {
  lived: { label: 'Lived it', icon: '✓' },
  still: { label: 'Still with it', icon: '◐' },
  letgo: { label: 'Let it go', icon: '○' },
};

const REVEAL_NOTE = {
  named: 'When your facilitator reveals them, everyone’s intentions are shown together, with names.',
  anonymous: 'When your facilitator reveals them, everyone’s intentions are shown together, without names.',
};

/** myPart returns the participant's own part of this activity, or an empty one. */
function myPart(state, activity) {
  const mine = state.room && state.room.mine && state.room.mine.intentions;
  // A part left over from an earlier run of intentions is not this one's.
  if (mine && mine.activityId === activity.id) return mine;
  return { activityId: activity.id, past: [], lastCommitments: [] };
}

function heading(state, activity, fallback) {
  const item = (state.room.agenda || []).find((x) => x.id === activity.itemId);
  return item ? itemTitle(item) : fallback;
}

// --- the participant --------------------------------------------------------------

/**
 * participantView builds a participant's intentions panel. getLive returns
 * the page's live connection (it changes when the page reconnects for good);
 * draftPrefix and token name the drafts in localStorage.
 *
 * Hooks: #intentions; #intention-form, #intention-text, #intention-submit,
 * #intention-status; #intentions-progress; #intentions-past > li[data-intention-id]
 * with input[name="outcome-{id}"]; #intentions-last-steps; #intention-step-form,
 * #intention-step-for, #intention-step, #intention-step-submit,
 * #intention-step-status; #intentions-shown > li.
 */
export function participantView(activity, initialState, { getLive, draftPrefix, token }) {
  const textKey = `${draftPrefix}${token}.intention`;
  const stepKey = `${draftPrefix}${token}.intention-step.${activity.id}`;
  const title = h('h2', { id: 'intentions-heading' }, 'Intentions');
  const lastSteps = h('section', { id: 'intentions-last-steps', class: 'mine', hidden: true, 'aria-labelledby': 'last-steps-heading' });
  const pastBox = h('section', { class: 'intentions-past-box', hidden: true, 'aria-labelledby': 'past-heading' });
  const prompt = h('p', { class: 'prompt' });
  const progress = h('p', { id: 'intentions-progress', class: 'progress-line' });
  const revealedNote = h('p', { class: 'notice', hidden: true });
  const stepBox = h('section', { class: 'intention-step-box', hidden: true, 'aria-labelledby': 'step-heading' });
  const shownBox = h('section', { class: 'results', hidden: true, 'aria-labelledby': 'shown-heading' });

  // The intention: built once, so incoming events never reset what is typed.
  const saved = storage.get(textKey);
  const text = h('textarea', {
    id: 'intention-text', name: 'intention', rows: 3, maxlength: MAX_INTENTION,
    'aria-describedby': 'intention-hint intention-kept',
  });
  const keptNote = h('p', { id: 'intention-kept', class: 'hint', hidden: true });
  const submit = h('button', { type: 'submit', id: 'intention-submit', class: 'primary big' }, 'Set my intention');
  const status = h('p', { id: 'intention-status', class: 'answer-status', role: 'status', 'aria-live': 'polite' });
  const revealHint = h('span');
  const form = h('form', { id: 'intention-form', novalidate: true },
    h('label', { for: 'intention-text' }, 'Your intention'),
    h('p', { class: 'hint', id: 'intention-hint' }, `A sentence for yourself, up to ${MAX_INTENTION} characters. Nobody sees it before the reveal. `, revealHint),
    keptNote, text,
    h('div', { class: 'actions' }, submit),
    status);

  const root = h('section', { id: 'intentions', class: 'panel intentions', 'aria-labelledby': 'intentions-heading' },
    title, lastSteps, pastBox, prompt, form, progress, revealedNote, shownBox, stepBox);

  let errorText = '';
  let revealedBefore = null;
  let textFilled = false;
  const live = () => getLive();

  function sentText(state) {
    const my = myPart(state, activity);
    return my.intention ? my.intention.text : '';
  }

  function fillText(state) {
    if (textFilled) return;
    textFilled = true;
    const mineText = sentText(state);
    const draft = saved && typeof saved.text === 'string' ? saved.text : '';
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

  text.addEventListener('input', () => {
    storage.set(textKey, { text: text.value, activityId: activity.id, savedAt: Date.now() });
    errorText = '';
    paintForm(live().state);
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = text.value.trim();
    if (!value) {
      errorText = 'Please write your intention first.';
      paintForm(live().state);
      text.focus();
      return;
    }
    errorText = '';
    keptNote.hidden = true;
    const sending = live().send('intention.write', { text: value });
    paintForm(live().state);
    sending.then(() => {
      // Keep the draft if they went on typing while it was on its way.
      if (text.value.trim() === value) storage.remove(textKey);
      refresh();
    }, (err) => {
      errorText = err.code === 'closed'
        ? 'The activity ended before your intention could be shared. What you wrote is kept on this device.'
        : (err.message || 'Your intention could not be shared. Please try again.');
      refresh();
    });
  });

  function paintForm(state) {
    const mineText = sentText(state);
    const pending = live().pending('intention.write').length > 0;
    let words = '';
    let kind = '';
    if (errorText) {
      words = errorText;
      kind = 'error';
    } else if (pending) {
      words = state.connection === 'open'
        ? 'Sharing your intention…'
        : 'Your intention is kept on this device and will be shared when the connection is back.';
      kind = 'pending';
    } else if (mineText) {
      words = text.value.trim() === mineText.trim() ? 'Your intention is set.' : 'You have changes that are not shared yet.';
      kind = text.value.trim() === mineText.trim() ? 'shared' : '';
    }
    setText(status, words);
    status.dataset.kind = kind;
    setText(submit, mineText ? 'Change my intention' : 'Set my intention');
  }

  // --- earlier intentions and reflections ---

  const pastRows = new Map(); // intention id → {li, inputs, status}
  function pastRow(p) {
    const name = `outcome-${p.id}`;
    const rowStatus = h('p', { class: 'hint reflect-status', role: 'status', 'aria-live': 'polite' });
    const inputs = [];
    const choices = Object.entries(OUTCOMES).map(([value, o]) => {
      const input = h('input', { type: 'radio', name, value, id: `${name}-${value}` });
      inputs.push(input);
      input.addEventListener('change', () => {
        if (!input.checked) return;
        setText(rowStatus, 'Keeping it…');
        live().send('intention.reflect', { intentionId: p.id, outcome: value }).then(() => {
          setText(rowStatus, 'Kept. Only you and your facilitators see this.');
        }, (err) => {
          setText(rowStatus, err.code === 'closed' ? 'The activity ended before this could be kept.' : (err.message || 'This could not be kept. Please try again.'));
        });
      });
      return h('label', { class: 'choice' }, input,
        h('span', { class: 'face' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, o.icon), ' ', o.label));
    });
    const earlierSteps = (p.commitments || []).map((c) => h('li', null, `Your step${c.sessionTitle ? ` (${c.sessionTitle})` : ''}: `, h('span', { class: 'preserve' }, c.step)));
    const before = (p.reflections || []).map((r) => h('li', null, `${r.sessionTitle || 'Earlier'}: ${(OUTCOMES[r.outcome] || { label: r.outcome }).label}`));
    const li = h('li', { dataset: { intentionId: p.id } },
      h('p', { class: 'past-text preserve' }, p.text),
      h('p', { class: 'hint' }, p.sessionTitle ? `Set in ${p.sessionTitle}` : 'Set earlier'),
      earlierSteps.length || before.length ? h('ul', { class: 'past-notes small' }, earlierSteps, before) : null,
      h('fieldset', { class: 'outcome-choices' },
        h('legend', null, 'What became of it?', h('span', { class: 'visually-hidden' }, ` “${p.text}”`)),
        h('div', { class: 'outcome-grid' }, choices)),
      rowStatus);
    return { li, inputs };
  }

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
    const pending = new Set(live().pending('intention.reflect').map((e) => e.data && e.data.intentionId));
    for (const p of past) {
      let row = pastRows.get(p.id);
      if (!row) {
        row = pastRow(p);
        pastRows.set(p.id, row);
        list.append(row.li);
      }
      // The server's word, unless a choice of theirs is still on its way.
      if (!pending.has(p.id)) {
        for (const input of row.inputs) input.checked = input.value === (p.reflection || '');
      }
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

  // --- one step ---

  let stepForm = null;
  function buildStepForm(state) {
    const savedStep = storage.get(stepKey);
    const my = myPart(state, activity);
    const select = h('select', { id: 'intention-step-for', 'aria-describedby': 'intention-step-for-hint' });
    const step = h('input', {
      type: 'text', id: 'intention-step', maxlength: MAX_STEP, autocomplete: 'off', 'aria-describedby': 'intention-step-hint',
      value: savedStep && typeof savedStep.step === 'string' ? savedStep.step : (my.commitment ? my.commitment.step : ''),
    });
    const button = h('button', { type: 'submit', id: 'intention-step-submit', class: 'primary' }, 'Keep this step');
    const stepStatus = h('p', { id: 'intention-step-status', class: 'answer-status', role: 'status', 'aria-live': 'polite' });
    const root_ = h('form', { id: 'intention-step-form', novalidate: true },
      h('label', { for: 'intention-step-for' }, 'For which intention'),
      h('p', { class: 'hint', id: 'intention-step-for-hint' }, 'Your intention today, or one from before.'),
      select,
      h('label', { for: 'intention-step' }, 'One step I will take this week'),
      h('p', { class: 'hint', id: 'intention-step-hint' }, `Small and concrete, up to ${MAX_STEP} characters. Only you and your facilitators see it.`),
      step,
      h('div', { class: 'actions' }, button),
      stepStatus);
    let stepError = '';
    let chosen = savedStep && savedStep.intentionId ? savedStep.intentionId : (my.commitment ? my.commitment.intentionId : '');
    const keep = () => storage.set(stepKey, { step: step.value, intentionId: select.value, savedAt: Date.now() });
    step.addEventListener('input', () => { stepError = ''; keep(); paint(live().state); });
    select.addEventListener('change', () => { chosen = select.value; keep(); paint(live().state); });
    root_.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const value = step.value.trim();
      if (!select.value) {
        stepError = 'Set your intention first, or choose one from before.';
        paint(live().state);
        return;
      }
      if (!value) {
        stepError = 'Please write the step first.';
        paint(live().state);
        step.focus();
        return;
      }
      stepError = '';
      const intentionId = select.value;
      const sending = live().send('intention.commit', { intentionId, step: value });
      paint(live().state);
      sending.then(() => {
        if (step.value.trim() === value && select.value === intentionId) storage.remove(stepKey);
        refresh();
      }, (err) => {
        stepError = err.code === 'closed'
          ? 'The activity ended before your step could be kept. It is still here on this device.'
          : (err.message || 'Your step could not be kept. Please try again.');
        refresh();
      });
    });

    function paint(state) {
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
      const pending = live().pending('intention.commit').length > 0;
      let words = '';
      let kind = '';
      if (stepError) {
        words = stepError;
        kind = 'error';
      } else if (pending) {
        words = state.connection === 'open' ? 'Keeping your step…' : 'Your step is kept on this device and will be shared when the connection is back.';
        kind = 'pending';
      } else if (mine.commitment) {
        const same = step.value.trim() === mine.commitment.step && select.value === mine.commitment.intentionId;
        words = same ? 'Your step is kept.' : 'You have changes that are not kept yet.';
        kind = same ? 'shared' : '';
      }
      setText(stepStatus, words);
      stepStatus.dataset.kind = kind;
      setText(button, mine.commitment ? 'Change my step' : 'Keep this step');
    }
    return { root: root_, paint };
  }

  function paintStep(state, a) {
    stepBox.hidden = !a.commitment;
    if (!a.commitment) return;
    if (!stepForm) {
      stepForm = buildStepForm(state);
      stepBox.append(
        h('h3', { id: 'step-heading' }, 'Turn an intention into a step'),
        h('p', { class: 'hint' }, 'If you like: one thing you will do this week for one of your intentions.'),
        stepForm.root);
    }
    stepForm.paint(state);
  }

  // --- the reveal ---

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
    setText(title, heading(state, a, 'Intentions'));
    setText(prompt, a.prompt || '');
    setText(revealHint, REVEAL_NOTE[a.reveal] || '');
    fillText(state);
    paintForm(state);
    paintLastSteps(my);
    paintPast(my);
    const count = typeof a.writtenCount === 'number' ? a.writtenCount : 0;
    const expected = typeof a.expected === 'number' ? a.expected : 0;
    setText(progress, `${count} of ${expected} have written`);
    revealedNote.hidden = !a.revealed || Boolean(my.intention);
    setText(revealedNote, 'The intentions are shown now. You can still share yours: it joins them.');
    paintStep(state, a);
    paintShown(a, state.you);
  }

  function refresh() {
    const l = live();
    const current = l && l.state.room && l.state.room.activity;
    if (current && current.id === activity.id) update(l.state);
  }

  return {
    root,
    update: (state) => update(state || initialState),
    destroy() {
      // Moving on never takes what they were writing: it stays on this
      // device for the next time intentions are written.
      const draft = storage.get(textKey);
      if (draft && draft.text && draft.text.trim()) announce('What you were writing is kept on this device.');
    },
  };
}

// --- the facilitator ------------------------------------------------------------

/**
 * consoleView is the facilitator's intentions activity: every intention as it
 * comes, who has not written, the reveal, and each participant's journey.
 *
 * Hooks: #intentions-console; #intentions-list > li[data-member-id];
 * #intentions-not-written; #intentions-reveal; #end-activity;
 * #journeys > li[data-member-id].
 */
export function consoleView(live) {
  const title = h('h2', { id: 'activity-heading' }, 'Intentions');
  const badge = h('span', { class: 'badge' });
  const prompt = h('p', { class: 'prompt' });
  const settings = h('p', { class: 'muted small' });
  const progress = h('p', { class: 'progress-line' });
  const list = h('ul', { id: 'intentions-list', class: 'plain answers' });
  const none = h('p', { class: 'muted' }, 'No intentions yet.');
  const notWritten = h('ul', { id: 'intentions-not-written', class: 'plain members' });
  const allWritten = h('p', { class: 'muted' });
  const revealNote = h('p', { class: 'hint' });
  const reveal = h('button', { type: 'button', id: 'intentions-reveal', class: 'primary' }, 'Reveal the intentions');
  const end = h('button', { type: 'button', id: 'end-activity' }, 'End intentions');
  const error = formError('intentions-error');
  const journeys = h('ul', { id: 'journeys', class: 'plain journeys' });
  const seen = new Set();
  let first = true;

  reveal.addEventListener('click', () => {
    setText(error, '');
    busy(reveal, () => live.send('intention.reveal', {}).then(() => announce('The intentions are shown to everyone.'),
      (err) => setText(error, err.message)));
  });
  end.addEventListener('click', () => {
    setText(error, '');
    busy(end, () => live.send('activity.end', {}).catch((err) => setText(error, err.message)));
  });

  const root = h('div', { id: 'intentions-console' },
    h('div', { class: 'row-head' }, title, badge),
    prompt, settings, progress,
    h('h3', null, 'Intentions'), none, list,
    h('h3', null, 'Not written yet'), notWritten, allWritten,
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
        (p.reflections || []).map((r) => h('li', null, `${r.sessionTitle || 'Earlier'}: ${(OUTCOMES[r.outcome] || { label: r.outcome }).label}`)),
        p.reflection ? h('li', { class: 'today' }, `Today: ${(OUTCOMES[p.reflection] || { label: p.reflection }).label}`) : null)));
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
    setText(title, heading(state, a, 'Intentions'));
    setText(badge, a.revealed ? 'Revealed' : 'Not revealed yet');
    badge.className = a.revealed ? 'badge live' : 'badge wait';
    setText(prompt, a.prompt || '');
    setText(settings, [
      a.reveal === 'named' ? 'Revealed with names' : 'Revealed without names',
      a.commitment ? 'asks each person for one step' : '',
    ].filter(Boolean).join(' · '));
    const count = typeof a.writtenCount === 'number' ? a.writtenCount : written.length;
    const expected = typeof a.expected === 'number' ? a.expected : 0;
    setText(progress, `${count} of ${expected} have written`);

    fill(list, ...written.map((w) => h('li', { dataset: { memberId: w.memberId || '' } },
      h('div', { class: 'row-head' },
        h('span', { class: 'name' }, w.name || ''),
        w.at ? h('span', { class: 'at' }, formatTime(w.at)) : null),
      h('p', { class: 'note preserve' }, w.text))));
    none.hidden = written.length > 0;

    const done = new Set(written.map((w) => w.memberId));
    const waiting = (room.members || []).filter((m) => m.role !== 'facilitator'
      && (m.presence === 'present' || m.presence === 'reconnecting') && !done.has(m.id));
    fill(notWritten, ...waiting.map((m) => h('li', { dataset: { memberId: m.id, presence: m.presence } },
      h('span', { class: 'name' }, m.name || ''), h('span', { class: 'end' }, presenceLabel(m.presence)))));
    setText(allWritten, waiting.length === 0 ? 'Everyone present has written.' : '');

    let note = a.revealed
      ? 'Everyone sees the intentions now. Intentions that come in still join them.'
      : 'Only facilitators see the intentions until you reveal them.';
    if (!a.revealed && a.reveal === 'anonymous' && count > 0 && count < 3) {
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
