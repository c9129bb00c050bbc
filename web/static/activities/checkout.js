// checkout.js — the check-out (docs/protocol.md, "The check-out
// activity"): one word each, shown together as a cloud without names when
// the facilitator reveals them; if asked, each also says how they leave
// (their window of tolerance), which only the facilitators see.

import { h, setText, announce, fill, formatTime, formError, STATES, stateBadge } from '../dom.js';
import { outboxForm, readDraft } from '../outbox-form.js';
import {
  stepTitle, actions, count, consoleHead, answered, revealedBadge, attention, newlyOutside, outside, missingLine, stateChoices,
  promptField, textInput, quoted,
} from './view.js';

const DEFAULT_PROMPT = 'One word for how you leave.';

/**
 * wordCloud is the group's words as a list: the more people chose a word,
 * the larger it is (1rem to 2.6rem). Words are user text: inserted as text.
 * Hook: ul#{id} > li[data-word][data-count].
 */
function wordCloud(cloud, id) {
  const words = (Array.isArray(cloud) ? cloud : []).filter((w) => w && typeof w.word === 'string' && w.word);
  const max = words.reduce((m, w) => Math.max(m, Number(w.count) || 1), 1);
  return h('ul', { id, class: 'plain cloud', 'aria-label': 'The group’s words' },
    words.map((w) => {
      const n = Math.max(1, Number(w.count) || 1);
      const people = n === 1 ? '1 person' : `${n} people`;
      const li = h('li', { dataset: { word: w.word, count: String(n) }, 'aria-label': `${w.word}, ${people}` },
        h('span', { class: 'cloud-word' }, w.word),
        h('span', { class: 'visually-hidden' }, `, ${people}`));
      const size = max > 1 ? 1 + 1.6 * ((n - 1) / (max - 1)) : 1.5;
      li.style.fontSize = `${size.toFixed(2)}rem`;
      if (n === max && max > 1) li.classList.add('top');
      return li;
    }));
}

// --- the participant ------------------------------------------------------------

function sameWord(values, mine) {
  if (!values || !mine) return false;
  return (values.word || '').trim() === (mine.word || '').trim()
    && (values.state || '') === (mine.state || '');
}

function myWord(state) {
  return state.room && state.room.mine && state.room.mine.word ? state.room.mine.word : null;
}

/**
 * heldNote tells the participant, while their word given after the reveal
 * waits, why the cloud does not show it yet; null otherwise.
 */
function heldNote(mine) {
  if (!mine || !mine.held) return null;
  return h('p', { id: 'checkout-held', class: 'notice', role: 'status' },
    'Your word is kept. It joins the cloud together with another one, or when the check-out ends, so nobody can tell which is yours.');
}

/** wordForm is the check-out's form, built once per check-out so nothing typed is reset. */
function wordForm(live, draftKey, mine, closingCheck) {
  const saved = readDraft(draftKey);
  const initial = saved ? saved.values
    : mine ? { word: mine.word || '', state: mine.state || '' } : { word: '', state: '' };

  const word = h('input', {
    type: 'text', id: 'checkout-word', name: 'word', maxlength: 40, autocomplete: 'off',
    autocapitalize: 'none', 'aria-describedby': 'checkout-word-hint', value: initial.word || '',
  });
  const stateSet = closingCheck ? h('fieldset', null,
    h('legend', null, 'And how are you leaving?'),
    h('p', { class: 'hint', id: 'closing-state-hint' }, 'Where are you in your window of tolerance? Only your facilitators see this.'),
    stateChoices('closing-state', initial.state, 'closing-state-hint')) : null;
  const sender = outboxForm({
    live, type: 'checkout.word', draftKey, id: 'checkout', big: true, dirtyNote: true,
    fields: [
      h('label', { for: 'checkout-word' }, 'Your word'),
      h('p', { class: 'hint', id: 'checkout-word-hint' }, 'One word, or a few, up to 40 characters. The group sees the words together, without names.'),
      word,
      stateSet],
    values(form) {
      const data = new FormData(form);
      return { word: word.value, state: closingCheck ? String(data.get('closing-state') ?? '') : '' };
    },
    check(v, form) {
      if (!v.word.trim()) return { error: 'Please write a word first.', focus: word };
      if (closingCheck && !v.state) {
        return { error: 'Please choose where you are in your window.', focus: form.querySelector('input[name="closing-state"]') };
      }
      return null;
    },
    data: (v) => (v.state ? { word: v.word.trim(), state: v.state } : { word: v.word.trim() }),
    mine: () => myWord(live.state),
    same: sameWord,
    show(m) {
      word.value = m.word || '';
      if (stateSet) {
        for (const input of stateSet.querySelectorAll('input[name="closing-state"]')) input.checked = input.value === (m.state || '');
      }
    },
    text: {
      sending: 'Sharing your word…',
      kept: 'Your word is kept on this device and will be shared when the connection is back.',
      shared: 'Your word is shared',
      dirty: 'You have changes that are not shared yet.',
      share: 'Share my word',
      change: 'Change my word',
      closed: 'The check-out ended before your word could be shared.',
      failed: 'Your word could not be shared. Please try again.',
    },
  });
  return { root: sender.form, paint: sender.paint };
}

function participant(activity, { live, draftKey }) {
  const heading = h('h2', { id: 'checkout-heading' }, 'Check-out');
  const prompt = h('p', { class: 'prompt' });
  const formSlot = h('div');
  const progress = h('p', { id: 'checkout-progress', class: 'progress-line' });
  const results = h('section', { class: 'results', 'aria-labelledby': 'checkout-results-heading', hidden: true });
  const root = h('section', { id: 'checkout', class: 'panel', 'aria-labelledby': 'checkout-heading' },
    heading, prompt, formSlot, progress, results);

  let form = null;
  let revealedBefore = null;

  function update(state) {
    const a = state.room.activity;
    setText(heading, stepTitle(state.room, a, 'Check-out'));
    setText(prompt, a.prompt || '');
    if (!form) {
      form = wordForm(live, draftKey(activity.id), myWord(state), Boolean(a.closingCheck));
      fill(formSlot, form.root);
    }
    form.paint();

    const shared = `${count(a.answeredCount)} of ${count(a.expected)} have shared`;
    setText(progress, shared);
    progress.hidden = Boolean(a.revealed);

    results.hidden = !a.revealed;
    if (a.revealed) {
      const cloud = Array.isArray(a.cloud) ? a.cloud : [];
      fill(results,
        h('h3', { id: 'checkout-results-heading' }, 'The group’s words'),
        cloud.length ? wordCloud(cloud, 'checkout-cloud') : h('p', { class: 'muted' }, 'No words were shared.'),
        h('p', { class: 'hint' }, `${shared}. Words that come in now join the cloud.`),
        heldNote(myWord(state)));
      if (revealedBefore === false) announce('The group’s words are shown.');
    }
    revealedBefore = Boolean(a.revealed);
  }

  return { root, update };
}

// --- the console ------------------------------------------------------------------

function consoleView(activity, { live, arrivals }) {
  const head = consoleHead('Check-out', 'closing-attention-heading');
  const words = answered({
    heading: 'Words', id: 'checkout-words', none: 'No words yet.',
    waitingHeading: 'Not shared yet', waitingHeadingId: 'checkout-not-shared-heading', waitingId: 'checkout-not-shared',
  });
  const cloudNote = h('p', { class: 'hint' });
  const cloudBox = h('div', { class: 'cloud-box' });
  const reveal = h('button', { type: 'button', id: 'checkout-reveal', class: 'primary' }, 'Reveal the words');
  const end = h('button', { type: 'button', id: 'end-activity' }, 'End check-out');
  const error = formError('checkout-error');
  const act = actions(live, error);
  const say = newlyOutside((x) => `${x.name} is leaving ${STATES[x.state].label}: “${x.word}”.`);

  reveal.addEventListener('click', () => act(reveal, 'checkout.reveal', {}, 'The words are shown to everyone.'));
  end.addEventListener('click', () => act(end, 'activity.end', {}));

  const root = h('div', { id: 'checkout', class: 'checkout-console' },
    head.nodes,
    words.nodes,
    h('h3', null, 'Word cloud'), cloudNote, cloudBox,
    error,
    h('div', { class: 'actions' }, reveal, end));

  function wordRow(w) {
    const arrived = arrivals.get(w.memberId);
    return h('li', { dataset: { wordMember: w.memberId, state: w.state || '' } },
      h('div', { class: 'row-head' },
        h('span', { class: 'name' }, w.name || ''),
        h('span', { class: 'word' }, w.word || ''),
        w.state ? stateBadge(w.state, outside(w.state) ? 'strong' : '') : null,
        w.at ? h('span', { class: 'at' }, formatTime(w.at)) : null),
      arrived && STATES[arrived.state]
        ? h('p', { class: 'arrived small' }, 'Arrived: ',
          h('span', { class: 'icon', 'aria-hidden': 'true' }, STATES[arrived.state].icon), ' ',
          STATES[arrived.state].label, typeof arrived.scale === 'number' ? ` · ${arrived.scale}/10` : '')
        : null);
  }

  function update(state) {
    const room = state.room;
    const a = room.activity;
    const list = Array.isArray(a.words) ? a.words : [];
    head.paint(room, a);
    revealedBadge(head.badge, a.revealed);
    setText(head.about, a.closingCheck
      ? 'Each person also says where they are in their window of tolerance. Only facilitators see it.'
      : 'Words only.');
    setText(head.progress, `${count(a.answeredCount, list.length)} of ${count(a.expected)} have shared`);

    attention(head.attention, 'closing-attention-heading', list, {
      one: '1 person is leaving outside their window',
      many: (n) => `${n} people are leaving outside their window`,
      detail: (x) => `“${x.word || ''}”`,
    });

    words.paint(room, list, wordRow, new Set(list.map((x) => x.memberId)), 'Everyone present has shared a word.');

    setText(cloudNote, a.revealed
      ? 'Everyone sees this cloud now, without names. Words that come in still join it.'
      : 'Only facilitators see this until you reveal the words. The group will see the words without names.');
    const cloud = Array.isArray(a.cloud) ? a.cloud : [];
    fill(cloudBox, cloud.length ? wordCloud(cloud, 'checkout-cloud') : h('p', { id: 'checkout-cloud', class: 'muted' }, 'The cloud grows as words come in.'));

    reveal.hidden = Boolean(a.revealed);
    if (a.revealed && document.activeElement === document.body) end.focus();
    say(list);
  }

  return { root, update };
}

/** marks are what the console's list of people shows beside each who gave a word. */
function marks(activity) {
  const out = new Map();
  for (const w of Array.isArray(activity.words) ? activity.words : []) {
    out.set(w.memberId, [h('span', { class: 'feeling small' }, w.word), w.state ? stateBadge(w.state) : null]);
  }
  return out;
}

// --- the agenda's settings --------------------------------------------------------------

const settings = {
  blank: () => ({ checkoutPrompt: DEFAULT_PROMPT, closingCheck: true }),
  fromItem: (item) => ({ checkoutPrompt: item.prompt || '', closingCheck: Boolean(item.closingCheck) }),
  fields(id, v) {
    const checkoutPrompt = textInput(id('checkout-prompt'), v.checkoutPrompt);
    const closingCheck = h('input', { type: 'checkbox', id: id('closing'), checked: Boolean(v.closingCheck) });
    return {
      nodes: [
        h('label', { for: checkoutPrompt.id }, 'Prompt'), checkoutPrompt,
        h('label', { class: 'checkbox', for: closingCheck.id }, closingCheck, 'Also ask how they leave (window of tolerance)'),
        h('p', { class: 'hint' }, 'Only facilitators see where each person is in their window. The group sees the words.')],
      inputs: { checkoutPrompt, closingCheck },
    };
  },
  toItem(v) {
    const p = promptField(v, 'checkoutPrompt', 'Please write the check-out’s prompt.');
    if (p.error) return p;
    return { fields: { prompt: p.prompt, closingCheck: Boolean(v.closingCheck) } };
  },
  line: (item) => [quoted(item.prompt), item.closingCheck ? 'also asks how they leave' : ''].filter(Boolean).join(' · '),
  wire: (item) => ({ prompt: item.prompt, closingCheck: Boolean(item.closingCheck) }),
};

// --- memory -----------------------------------------------------------------------------

function summary(co, { n }) {
  const rows = co.words.map((w) => h('tr', { dataset: { wordName: w.name } },
    h('th', { scope: 'row' }, w.name),
    h('td', null, w.word),
    co.closingCheck ? h('td', null, w.arrival ? stateBadge(w.arrival) : h('span', { class: 'muted' }, '–')) : null,
    co.closingCheck ? h('td', null, w.state ? stateBadge(w.state) : h('span', { class: 'muted' }, '–')) : null));
  return [
    h('p', { class: 'prompt-line' }, `“${co.prompt}”`),
    co.words.length
      ? h('table', { class: 'memory-table' },
        h('caption', { class: 'visually-hidden' }, 'Check-out words'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Who'), h('th', { scope: 'col' }, 'Word'),
          co.closingCheck ? h('th', { scope: 'col' }, 'Arrived') : null,
          co.closingCheck ? h('th', { scope: 'col' }, 'Leaving') : null)),
        h('tbody', null, rows))
      : h('p', { class: 'muted' }, 'No words.'),
    missingLine(co.unanswered, 'No word from'),
    co.revealed
      ? h('div', null, h('p', { class: 'small' }, 'Revealed to the group as a cloud without names:'), wordCloud(co.cloud, `cloud-${n}`))
      : h('p', { class: 'muted small' }, 'Not revealed to the group.'),
  ];
}

function journey(co, { id }) {
  return [
    h('p', { class: 'prompt-line' }, `“${co.prompt}”`),
    co.mine
      ? h('p', null, 'Your word: ', h('strong', { class: 'my-word' }, co.mine.word), co.mine.state ? [' · you left ', stateBadge(co.mine.state, 'quiet-state')] : null)
      : h('p', { class: 'muted small' }, 'You did not give a word this time.'),
    co.cloud && co.cloud.length
      ? [h('p', { class: 'small label-line' }, 'The group’s words'), wordCloud(co.cloud, `journey-cloud-${id}`)]
      : null,
  ];
}

export default {
  kind: 'checkout',
  label: 'Check-out',
  title: 'Check-out',
  startedText: (a) => `The check-out has started: ${a.prompt || ''}`,
  participant,
  console: consoleView,
  marks,
  settings,
  summary,
  journey,
};
