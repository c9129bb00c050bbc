// circle.js — the sharing circle (docs/protocol.md, "The sharing circle"):
// a round in a speaking order, or an open floor where hands are raised; one
// holder of the talking piece at a time, passes, silent reactions.
//
// The server decides everything: who holds the talking piece, who is next,
// when a share's time is up (an absolute end on the server's clock, so every
// screen counts to the same moment). These views only draw it and send the
// member's own moves. A share is never cut off: when the time is up every
// screen shows a gentle signal and the speaker may hear a soft sound.

import { h, setText, announce, fill, formError, storage, formatTime } from '../dom.js';
import {
  stepTitle, actions, reducedMotion, formatDuration, formatClock, clockWords, wholeNumber, promptField,
  textInput, choiceSelect, quoted,
} from './view.js';

const DEFAULT_PROMPT = 'What has been alive for you since we last met?';

/** MODES and SPEAKING_ORDERS name a circle's settings. */
const MODES = {
  round: 'A round: everyone in turn',
  open: 'Open floor: raise a hand',
};
const SPEAKING_ORDERS = {
  roster: 'Roster order',
  random: 'Random order',
  arranged: 'Arranged by you, when it starts',
};

const REACTIONS = {
  heard: { label: 'Heard you', icon: '◡' },
  resonates: { label: 'Resonates', icon: '≈' },
  thanks: { label: 'Thank you', icon: '✿' },
};

const OUTCOMES = {
  spoke: 'shared',
  passed: 'passed for now',
  'passed-final': 'passed',
  skipped: 'skipped',
  left: 'left during their share',
};

const MUTE_KEY = 'hearth.circle.muted';

function ordinal(n) {
  const words = ['', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
  return words[n] || `number ${n}`;
}

/**
 * shareClock shows the time left in the share in progress, ticking from the
 * server's clock. onTimeUp(n) is called once per turn when its time is up
 * (also for someone who arrives after it was up: they see the signal too).
 */
function shareClock({ now, id, onTimeUp }) {
  const clock = h('span', { class: 'share-clock-time', 'aria-hidden': 'true' });
  const words = h('span', { class: 'visually-hidden' });
  const note = h('span', { class: 'share-clock-note' });
  const root = h('p', { id, class: 'share-clock', hidden: true }, clock, words, note);
  let holder = null;
  let signalled = ''; // the share and end already signalled: an extended share signals again
  let lastSaid = '';
  function tick() {
    if (!holder || !holder.endsAt) {
      root.hidden = true;
      root.classList.remove('time-up');
      return;
    }
    root.hidden = false;
    const left = holder.endsAt - now();
    const up = left <= 0;
    setText(clock, up ? '0:00' : formatClock(left));
    setText(note, up ? ' Time is up — take a moment to come to a close, no rush.' : ' left in this share');
    root.classList.toggle('time-up', up);
    // Screen readers hear the time in whole minutes, not every second.
    const said = up ? 'Time is up for this share.' : clockWords(Math.ceil(left / 60000) * 60000);
    if (said !== lastSaid) {
      setText(words, said);
      lastSaid = said;
    }
    const key = `${holder.n}:${holder.endsAt}`;
    if (up && signalled !== key) {
      signalled = key;
      onTimeUp(holder);
    }
  }
  const timer = window.setInterval(tick, 250);
  return {
    root,
    update(next) {
      holder = next;
      tick();
    },
    destroy() { window.clearInterval(timer); },
  };
}

/** buttonKind names a queue row's button (move up or down, give, skip). */
function buttonKind(b) {
  return b.dataset.move || (b.dataset.give ? 'give' : '') || (b.dataset.skip ? 'skip' : '');
}

/** softChime plays a quiet, slow tone: a signal, not an alarm. */
function softChime(ctxHolder) {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    ctxHolder.ctx = ctxHolder.ctx || new Ctx();
    const ctx = ctxHolder.ctx;
    if (ctx.state === 'suspended') ctx.resume();
    const t = ctx.currentTime;
    for (const [freq, delay] of [[528, 0], [660, 0.35]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t + delay);
      gain.gain.exponentialRampToValueAtTime(0.06, t + delay + 0.3);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + delay + 2.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t + delay);
      osc.stop(t + delay + 2.3);
    }
  } catch {
    // No sound is fine: the visual signal is always there.
  }
}

/** orderList is the people still waiting, in order. */
function orderList(id, queue, { you, controls } = {}) {
  if (!queue.length) return h('p', { id, class: 'muted' }, 'Nobody is waiting for the talking piece.');
  return h('ol', { id, class: 'plain circle-order' }, queue.map((q, i) => h('li', {
    dataset: { memberId: q.memberId, away: q.away ? 'true' : 'false' },
  },
  h('span', { class: 'position', 'aria-hidden': 'true' }, `${i + 1}`),
  h('span', { class: 'name' }, q.memberId === you ? `${q.name} (you)` : q.name),
  q.passed ? h('span', { class: 'badge wait' }, 'passed once') : null,
  q.away ? h('span', { class: 'badge wait' }, 'away') : null,
  controls ? controls(q, i) : null)));
}

/** turnList is the circle's story so far: who shared, who passed. */
function turnList(id, turns, you) {
  if (!turns.length) return h('p', { id, class: 'muted' }, 'Nobody has had the talking piece yet.');
  return h('ul', { id, class: 'plain circle-turns' }, turns.map((t) => h('li', { dataset: { memberId: t.memberId, outcome: t.outcome } },
    h('span', { class: 'name' }, t.memberId === you ? `${t.name} (you)` : t.name),
    h('span', { class: 'muted' }, ` — ${OUTCOMES[t.outcome] || t.outcome}`))));
}

/**
 * reactionsText says the group's reactions to one of the member's own turns
 * (received: {outcome, reactions: {kind: count}}), or '' when there were none.
 */
function reactionsText(received) {
  const parts = Object.entries(REACTIONS)
    .map(([kind, r]) => [r.label.toLowerCase(), (received.reactions || {})[kind] || 0])
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${n} × “${label}”`);
  if (!parts.length) return '';
  const when = received.outcome === 'spoke' ? 'While you shared' : 'While you held the talking piece';
  return `${when}, the group sent: ${parts.join(', ')}.`;
}

/**
 * receivedText is what the speaker is told after their turn: the counts of
 * the group's reactions, or a thank-you after a share without any. After a
 * pass without reactions there is nothing to say ("").
 */
function receivedText(received) {
  return reactionsText(received) || (received.outcome === 'spoke' ? 'Thank you for sharing.' : '');
}

/**
 * participantCircleView is the circle on a participant's phone. live is the
 * room connection.
 */
function participant(activity, { live }) {
  const heading = h('h2', { id: 'circle-heading' }, 'Sharing circle');
  const prompt = h('p', { class: 'prompt' });
  // tabindex -1: the focus lands here when the holder's buttons go away.
  const piece = h('p', { id: 'circle-piece', class: 'circle-piece', tabindex: -1 });
  const audio = {};
  const clock = shareClock({
    now: () => live.roomNow(),
    id: 'circle-clock',
    onTimeUp(holder) {
      const mine = holder.memberId === you;
      if (mine && !muted.checked) softChime(audio);
      announce(mine ? 'Your time is up. Take a moment to come to a close; there is no rush.' : 'The share’s time is up.');
    },
  });
  const hint = h('p', { id: 'circle-hint', class: 'hint' });
  const error = formError('circle-error');

  const done = h('button', { type: 'button', id: 'circle-done', class: 'primary big' }, 'I’m done');
  const pass = h('button', { type: 'button', id: 'circle-pass', class: 'big' }, 'Pass for now');
  const holderActions = h('div', { class: 'actions', hidden: true }, done, pass);

  const reactionButtons = Object.entries(REACTIONS).map(([kind, r]) => h('button', {
    type: 'button', class: 'reaction', dataset: { reaction: kind }, 'aria-pressed': 'false',
  }, h('span', { class: 'icon', 'aria-hidden': 'true' }, r.icon), ' ', r.label));
  const reactionHint = h('p', { class: 'hint', id: 'circle-reactions-hint' });
  const reactions = h('div', { id: 'circle-reactions', class: 'reactions', role: 'group', 'aria-describedby': 'circle-reactions-hint', hidden: true },
    reactionButtons, reactionHint);

  const hand = h('button', { type: 'button', id: 'circle-hand', class: 'big', hidden: true }, 'Raise my hand');
  const received = h('p', { id: 'circle-received', class: 'circle-received', role: 'status', hidden: true });

  const orderHeading = h('h3', { id: 'circle-order-heading' }, 'Still to share');
  const orderBox = h('div');
  const turnsBox = h('div');
  const muted = h('input', { type: 'checkbox', id: 'circle-mute', checked: Boolean(storage.get(MUTE_KEY)) });
  muted.addEventListener('change', () => {
    storage.set(MUTE_KEY, muted.checked);
    if (!muted.checked) audio.unlocked = true;
  });

  const muteRow = h('label', { class: 'checkbox small', for: muted.id }, muted, 'No sound when my time is up');
  const root = h('section', { id: 'circle', class: 'panel circle', 'aria-labelledby': 'circle-heading' },
    heading, prompt, piece, clock.root, hint, holderActions, reactions, hand, received, error,
    orderHeading, orderBox,
    h('h3', null, 'Has had the talking piece'), turnsBox,
    muteRow);

  let you = '';
  let lastHolder;
  let lastNext;
  let lastReceived = 0;

  // A browser plays sound only after the person has touched the page; any
  // press in the circle readies it, so the chime can sound later.
  root.addEventListener('click', () => {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx || muted.checked) return;
    try {
      audio.ctx = audio.ctx || new Ctx();
      if (audio.ctx.state === 'suspended') audio.ctx.resume();
    } catch {
      // no sound; the visual signal remains
    }
  });

  const act = actions(live, error);
  // Holder's moves name their share: sent again after a dropped connection,
  // they can never end a later one.
  const share = () => {
    const a = live.state.room && live.state.room.activity;
    return { turn: a && a.holder ? a.holder.n : 0 };
  };
  done.addEventListener('click', () => act(done, 'circle.done', share(), 'Thank you. The talking piece moves on.'));
  pass.addEventListener('click', () => act(pass, 'circle.pass', share(), 'You passed. That is always fine.'));
  // Reactions sent from this page, by turn: shown as sent at once, before
  // the server's record of them comes back.
  const sentHere = new Set();
  for (const b of reactionButtons) {
    b.addEventListener('click', () => {
      const a = live.state.room.activity;
      if (!a || !a.holder) return;
      const kind = b.dataset.reaction;
      const key = `${a.holder.n}:${kind}`;
      if (sentHere.has(key) || b.getAttribute('aria-disabled') === 'true') return;
      sentHere.add(key);
      // aria-disabled, not disabled: the button keeps the keyboard focus.
      b.setAttribute('aria-disabled', 'true');
      b.setAttribute('aria-pressed', 'true');
      setText(error, '');
      live.send('circle.react', { kind, turn: a.holder.n }).then(() => {
        announce(`Sent quietly: ${REACTIONS[kind].label}.`);
      }, (err) => {
        sentHere.delete(key);
        if (err.code !== 'closed') setText(error, err.message || 'That did not go through.');
        if (live.state.room) update(live.state);
      });
    });
  }
  hand.addEventListener('click', () => {
    const up = hand.dataset.up === 'true';
    act(hand, up ? 'circle.lower' : 'circle.raise', {}, up ? 'Your hand is down.' : 'Your hand is up.');
  });

  function update(state) {
    const a = state.room.activity;
    you = state.you ? state.you.id : '';
    const mine = (state.room.mine && state.room.mine.circle) || {};
    const holder = a.holder;
    const mineHolding = holder && holder.memberId === you;
    const queue = Array.isArray(a.queue) ? a.queue : [];
    const turns = Array.isArray(a.turns) ? a.turns : [];
    const nextPerson = queue.find((q) => q.memberId === a.next);
    const open = a.mode === 'open';

    setText(heading, stepTitle(state.room, a, 'Sharing circle'));
    setText(prompt, a.prompt || '');
    muteRow.hidden = !a.shareSeconds; // no time per share, no signal to mute
    root.dataset.holding = mineHolding ? 'true' : 'false';

    if (mineHolding) setText(piece, 'You hold the talking piece.');
    else if (holder) setText(piece, `${holder.name} holds the talking piece.`);
    else if (a.roundOver) setText(piece, open ? 'The open floor has closed.' : 'The round has ended.');
    else if (a.complete && a.away > 0 && !open) setText(piece, 'The talking piece rests until everyone still to share is back.');
    else if (a.complete) setText(piece, open ? 'The floor is open. Raise your hand if you would like to share.' : 'Everyone has had the talking piece.');
    else if (nextPerson && open) setText(piece, nextPerson.memberId === you ? 'The floor is open. Your hand is up first.' : `The floor is open. ${nextPerson.name}’s hand is up first.`);
    else if (nextPerson) setText(piece, nextPerson.memberId === you ? 'The talking piece will come to you first.' : `The talking piece will go to ${nextPerson.name} first.`);
    else setText(piece, 'The talking piece is resting.');

    let hintText = '';
    if (mineHolding) {
      hintText = holder.passes > 0
        ? 'You passed once, so you are asked once more. Passing again is fine.'
        : 'Take your time. The group is listening. Passing is always fine.';
    } else if (holder && nextPerson) {
      hintText = nextPerson.memberId === you ? 'You are next.' : `Next: ${nextPerson.name}.`;
    } else if (!holder && open && !a.roundOver) {
      hintText = 'The facilitator gives the floor to raised hands, in turn.';
    }
    setText(hint, hintText);
    clock.update(holder ? { ...holder } : null);

    const hadFocus = holderActions.contains(document.activeElement);
    holderActions.hidden = !mineHolding;
    if (hadFocus && !mineHolding) piece.focus();
    setText(pass, open || (holder && holder.passes > 0) ? 'Pass' : 'Pass for now');

    // Reactions: only while someone else shares, each kind once.
    const canReact = Boolean(holder) && !mineHolding && state.you && state.you.role === 'participant';
    reactions.hidden = !canReact;
    if (canReact) {
      const sent = mine.turn === holder.n && Array.isArray(mine.reacted) ? mine.reacted : [];
      for (const b of reactionButtons) {
        const kind = b.dataset.reaction;
        const was = sent.includes(kind) || sentHere.has(`${holder.n}:${kind}`);
        b.setAttribute('aria-pressed', was ? 'true' : 'false');
        b.setAttribute('aria-disabled', was ? 'true' : 'false');
      }
      setText(reactionHint, `Silent. ${holder.name} sees only how many, after their share — never from whom.`);
    }

    // From the queue everyone sees, so it is right even before this
    // member's own record arrives.
    const handUp = open && queue.some((q) => q.memberId === you);
    hand.hidden = !open || a.roundOver || mineHolding;
    hand.dataset.up = handUp ? 'true' : 'false';
    hand.setAttribute('aria-pressed', handUp ? 'true' : 'false');
    const place = queue.findIndex((q) => q.memberId === you);
    setText(hand, handUp ? `Lower my hand (you are ${ordinal(place + 1)} in line)` : 'Raise my hand');

    const r = mine.received;
    const said = r ? receivedText(r) : '';
    received.hidden = !said || mineHolding;
    if (r) {
      setText(received, said);
      if (said && r.n !== lastReceived && lastReceived !== 0) announce(said);
      lastReceived = r.n;
    } else {
      lastReceived = -1;
    }

    setText(orderHeading, open ? 'Raised hands' : 'Still to share');
    fill(orderBox, orderList('circle-order', queue, { you }));
    fill(turnsBox, turnList('circle-turns', turns, you));

    const holderId = holder ? holder.memberId : '';
    if (lastHolder !== undefined && holderId !== lastHolder) {
      if (mineHolding) announce('You hold the talking piece. Take your time.');
      else if (holder) announce(`${holder.name} holds the talking piece.`);
    } else if (lastNext !== undefined && a.next !== lastNext && a.next === you && holder) {
      announce('You are next.');
    }
    lastHolder = holderId;
    lastNext = a.next;
    if (mineHolding && document.activeElement && reactionButtons.includes(document.activeElement)) done.focus();
  }

  const onMotion = () => root.classList.toggle('still', reducedMotion.matches);
  onMotion();
  reducedMotion.addEventListener('change', onMotion);

  return {
    root,
    update,
    destroy() {
      clock.destroy();
      reducedMotion.removeEventListener('change', onMotion);
      if (audio.ctx) audio.ctx.close().catch(() => {});
    },
  };
}

/**
 * consoleView is the circle in the facilitator's cockpit: who holds the
 * piece and for how long, one clear primary action at a time ("End Kim's
 * share" while someone shares, "Give the piece to Lee" between shares,
 * "End the circle" once everyone has spoken), the rest in labelled groups:
 * "This share" (more time, skip), "Give the piece" (one picker, the next
 * in line first), "Round and circle" (end the round, end the circle: both
 * ask first). After every move the focus lands on the new primary action.
 *
 * Hooks: #circle-next (circle.next, or circle.give for someone picked),
 * #circle-done, #end-activity (the primary one when the circle is
 * complete, else in "Round and circle"), #circle-end, #circle-skip,
 * #circle-extend, #circle-give-to, #circle-give; #circle-order,
 * #circle-turns.
 */
function consoleView(activity, { live }) {
  const heading = h('h2', { id: 'activity-heading' }, 'Sharing circle');
  const badge = h('span', { class: 'badge' });
  const prompt = h('p', { class: 'prompt' });
  const piece = h('p', { id: 'circle-piece', class: 'circle-piece' });
  const clock = shareClock({
    now: () => live.serverNow(),
    id: 'circle-clock',
    onTimeUp(holder) { announce(`${holder.name}’s time is up. They will come to a close.`); },
  });
  const error = formError('circle-error');

  // The primary actions: exactly one is shown at a time.
  const next = h('button', { type: 'button', id: 'circle-next', class: 'primary' }, 'Give the piece on');
  const done = h('button', { type: 'button', id: 'circle-done', class: 'primary' }, 'End this share');
  const finish = h('button', { type: 'button', id: 'end-activity', class: 'primary' }, 'End the circle');
  const primaryHint = h('p', { class: 'hint', id: 'circle-primary-hint' });
  for (const b of [next, done, finish]) b.setAttribute('aria-describedby', 'circle-primary-hint');
  const primary = h('div', { class: 'circle-primary' }, next, done, finish);

  const skip = h('button', { type: 'button', id: 'circle-skip' }, 'Skip');
  const extend = h('button', { type: 'button', id: 'circle-extend' }, '+1 min', h('span', { class: 'visually-hidden' }, ' (give this share one more minute)'));
  const shareGroup = h('fieldset', { class: 'control-group share-group' },
    h('legend', null, 'This share'), h('div', { class: 'actions' }, extend, skip));

  const giveTo = h('select', { id: 'circle-give-to', 'aria-describedby': 'circle-give-hint' });
  const give = h('button', { type: 'button', id: 'circle-give' }, 'Give');
  const giveHint = h('p', { class: 'hint', id: 'circle-give-hint' });
  const giveGroup = h('fieldset', { class: 'control-group give-group' },
    h('legend', null, 'Give the piece'),
    h('div', { class: 'actions inline-pick' }, h('label', { for: giveTo.id }, 'To'), giveTo, give),
    giveHint);

  const endRound = h('button', { type: 'button', id: 'circle-end' }, 'End the round');
  const endCircle = h('button', { type: 'button', id: 'circle-end-activity' }, 'End the circle');
  const roundGroup = h('fieldset', { class: 'control-group round-group' },
    h('legend', null, 'Round and circle'),
    h('div', { class: 'actions' }, endRound, endCircle),
    h('p', { class: 'hint' }, 'Ending the round stops the piece: those not reached are not asked. Ending the circle moves the room on. Both ask first.'));

  const orderHeading = h('h3', { id: 'circle-order-heading' }, 'Still to share');
  const orderHint = h('p', { class: 'hint' });
  const orderBox = h('div');
  const turnsBox = h('div');

  const act = actions(live, error);
  // The moves on the share in progress name it, so one sent again after a
  // dropped connection never ends or extends a later share.
  const turn = () => {
    const a = live.state.room && live.state.room.activity;
    return a && a.holder ? a.holder.n : 0;
  };
  // focusPrimary puts the focus on the primary action now shown: after a
  // move the button pressed may be gone, and the keyboard goes on from here.
  const focusPrimary = () => {
    const b = [done, next, finish].find((x) => !x.hidden);
    if (b) b.focus();
    else heading.focus();
  };
  heading.tabIndex = -1;
  // Only a focus that was lost moves: one the facilitator took elsewhere
  // meanwhile stays where they put it.
  const then = (button, promise) => promise.then(() => {
    const active = document.activeElement;
    if (!active || active === document.body) focusPrimary();
  });
  let picked = ''; // who the picker names: '' while it follows the next in line
  giveTo.addEventListener('change', () => {
    const a = live.state.room && live.state.room.activity;
    picked = a && giveTo.value === a.next ? '' : giveTo.value;
    if (live.state.room) update(live.state);
  });
  const giveNow = (button) => {
    const a = live.state.room && live.state.room.activity;
    const to = giveTo.value || (a && a.next) || '';
    if (!to || !a) return;
    const who = (live.state.room.members || []).find((m) => m.id === to);
    const nextInLine = to === a.next && (!a.holder || a.holder.away);
    picked = '';
    then(button, act(button, nextInLine ? 'circle.next' : 'circle.give', nextInLine ? {} : { memberId: to },
      who ? `The piece goes to ${who.name}.` : ''));
  };
  next.addEventListener('click', () => giveNow(next));
  give.addEventListener('click', () => giveNow(give));
  done.addEventListener('click', () => then(done, act(done, 'circle.done', { turn: turn() }, 'The share has ended.')));
  skip.addEventListener('click', () => then(skip, act(skip, 'circle.skip', { turn: turn() })));
  extend.addEventListener('click', () => then(extend, act(extend, 'circle.extend', { seconds: 60, turn: turn() }, 'One more minute for this share.')));
  endRound.addEventListener('click', () => {
    if (!window.confirm('End the round?\n\nThe share in progress ends, and those not reached yet are not asked. The circle stays on the screen until you end it.')) return;
    then(endRound, act(endRound, 'circle.end', {}, 'The round has ended.'));
  });
  const endActivity = (button, ask) => {
    if (ask && !window.confirm('End the sharing circle?\n\nThe share in progress ends and the room moves on.')) return;
    act(button, 'activity.end', {});
  };
  finish.addEventListener('click', () => endActivity(finish, false));
  endCircle.addEventListener('click', () => endActivity(endCircle, true));

  const root = h('div', { id: 'circle', class: 'circle-console' },
    h('div', { class: 'row-head' }, heading, badge),
    prompt, piece, clock.root,
    primary, primaryHint, error,
    shareGroup, giveGroup, roundGroup,
    orderHeading, orderHint, orderBox,
    h('h3', null, 'Has had the talking piece'), turnsBox);

  let queueIds = [];
  let moving = false; // one reorder at a time: each is built on the order shown

  function move(from, to) {
    if (moving) return Promise.resolve();
    moving = true;
    const order = queueIds.slice();
    const [id] = order.splice(from, 1);
    order.splice(to, 0, id);
    const button = document.activeElement;
    return live.send('circle.order', { order }).finally(() => { moving = false; }).then(() => {
      announce('The order has changed.');
      // Keep the focus on the moved person's button, now in its new row.
      const dir = button && button.dataset ? button.dataset.move : '';
      const target = root.querySelector(`[data-member-id="${CSS.escape(id)}"] [data-move="${dir}"]`)
        || root.querySelector(`[data-member-id="${CSS.escape(id)}"] button`);
      if (target && !target.disabled) target.focus();
    }, (err) => setText(error, err.message));
  }

  function update(state) {
    const a = state.room.activity;
    const holder = a.holder;
    const queue = Array.isArray(a.queue) ? a.queue : [];
    const turns = Array.isArray(a.turns) ? a.turns : [];
    const open = a.mode === 'open';
    queueIds = queue.map((q) => q.memberId);
    const nextPerson = queue.find((q) => q.memberId === a.next);

    setText(heading, stepTitle(state.room, a, 'Sharing circle'));
    setText(badge, open ? 'Open floor' : { roster: 'Roster order', random: 'Random order', arranged: 'Arranged order' }[a.order] || 'Round');
    badge.className = 'badge kind';
    setText(prompt, a.prompt || '');
    if (holder && holder.away) {
      setText(piece, `${holder.name}’s connection dropped while holding the piece. Their time has stopped.`);
    } else if (holder) {
      setText(piece, `${holder.name} holds the talking piece${holder.passes ? ' (asked once more)' : ''}.${nextPerson ? ` Next: ${nextPerson.name}.` : ''}`);
    } else if (a.roundOver) setText(piece, 'The round has ended. End the circle when you are ready.');
    else if (a.complete && a.away > 0 && !open) setText(piece, `Everyone here has had the talking piece. ${a.away === 1 ? '1 person' : `${a.away} people`} still to share ${a.away === 1 ? 'is' : 'are'} away: when they are back, hand the piece on.`);
    else if (a.complete) setText(piece, open ? 'Nobody has a hand up.' : 'Everyone here has had the talking piece.');
    else setText(piece, `The piece is resting. ${nextPerson ? `Next: ${nextPerson.name}.` : ''}`);
    clock.update(holder && !holder.away ? { ...holder } : null);

    // Who may get the piece: those waiting, in order, then anyone else here.
    const here = (state.room.members || []).filter((m) => m.role === 'participant' && m.presence === 'present'
      && (!holder || m.id !== holder.memberId));
    const byId = new Map(here.map((m) => [m.id, m]));
    const choices = [];
    for (const q of queue) if (byId.has(q.memberId)) choices.push({ id: q.memberId, name: q.name, waiting: true });
    for (const m of here) if (!queue.some((q) => q.memberId === m.id)) choices.push({ id: m.id, name: m.name, waiting: false });
    const key = JSON.stringify(choices);
    if (giveTo.dataset.key !== key) {
      giveTo.dataset.key = key;
      fill(giveTo, choices.map((c) => h('option', { value: c.id },
        c.id === a.next ? `${c.name} (next in line)` : (c.waiting ? c.name : `${c.name} (out of turn)`))));
    }
    const nextHere = a.next && byId.has(a.next) ? a.next : '';
    if (picked && !byId.has(picked)) picked = '';
    giveTo.value = picked || nextHere || (choices[0] ? choices[0].id : '');
    const target = choices.find((c) => c.id === giveTo.value);

    // One primary action.
    const away = Boolean(holder && holder.away);
    const sharing = Boolean(holder) && !away;
    const canGive = !a.roundOver && Boolean(target) && (!holder || away) && (target.id === a.next || Boolean(picked));
    const over = !holder && (a.roundOver || (a.complete && !(a.away > 0 && !open)));
    done.hidden = !sharing;
    if (sharing) fill(done, `End ${holder.name}’s share`);
    next.hidden = !canGive;
    if (canGive) {
      const first = turns.length === 0 && !holder && !open;
      fill(next, open ? `Give the floor to ${target.name}` : (first ? `Begin: give the piece to ${target.name}` : `Give the piece to ${target.name}`));
    }
    finish.hidden = sharing || canGive || !over;
    if (sharing) setText(primaryHint, `The share goes on until ${holder.name} or you end it${nextPerson ? `; then the piece goes to ${nextPerson.name}` : ''}.`);
    else if (canGive && away) setText(primaryHint, `${holder.name} comes back to it at the end of the line.`);
    else if (canGive) setText(primaryHint, target.id === a.next ? 'The next in line. Pick someone else under “Give the piece”.' : 'Out of the line’s order: the next in line keeps their place.');
    else if (!finish.hidden) setText(primaryHint, 'Everyone who is here has been asked. Ending the circle moves the room on.');
    else setText(primaryHint, open ? 'Waiting for a hand to go up.' : 'The piece waits for those who are away.');

    shareGroup.hidden = !holder;
    if (holder) fill(skip, `Skip ${holder.name}`);
    extend.hidden = !holder || (!holder.endsAt && !holder.remaining) || !a.shareSeconds;
    giveGroup.hidden = a.roundOver || choices.length === 0;
    give.hidden = canGive; // between shares the primary action gives
    setText(giveHint, sharing
      ? `Giving the piece ends ${holder.name}’s share.`
      : 'The next in line is chosen; pick anyone here instead.');
    endRound.hidden = Boolean(a.roundOver);
    setText(endRound, open ? 'Close the open floor' : 'End the round');
    endCircle.hidden = !finish.hidden;

    setText(orderHeading, open ? 'Raised hands, in order' : 'Still to share');
    setText(orderHint, open ? 'Participants raise and lower their own hands.' : 'People away keep their place and are passed over until they are back.');
    // The list is drawn anew; the focus goes back to the same button of the
    // same person, so a keyboard user is not thrown to the top of the page.
    const focused = orderBox.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused ? [focused.closest('[data-member-id]')?.dataset.memberId, buttonKind(focused)] : null;
    fill(orderBox, orderList('circle-order', queue, {
      controls: (q, i) => h('span', { class: 'end row-actions' },
        open ? null : h('button', {
          type: 'button', class: 'small', dataset: { move: 'up' }, disabled: i === 0,
          'aria-label': `Move ${q.name} earlier`, onclick: () => move(i, i - 1),
        }, '↑'),
        open ? null : h('button', {
          type: 'button', class: 'small', dataset: { move: 'down' }, disabled: i === queue.length - 1,
          'aria-label': `Move ${q.name} later`, onclick: () => move(i, i + 1),
        }, '↓'),
        h('button', {
          type: 'button', class: 'small', dataset: { skip: q.memberId },
          'aria-label': `Skip ${q.name} this round`,
          onclick: (ev) => act(ev.currentTarget, 'circle.skip', { memberId: q.memberId }),
        }, 'Skip')),
    }));
    if (focusKey && focusKey[0]) {
      const row = orderBox.querySelector(`[data-member-id="${CSS.escape(focusKey[0])}"]`);
      const again = row && [...row.querySelectorAll('button')].find((b) => buttonKind(b) === focusKey[1] && !b.disabled);
      if (again) again.focus();
      else if (row) row.querySelector('button:not([disabled])')?.focus();
      else focusPrimary();
    }
    fill(turnsBox, turnList('circle-turns', turns, ''));
  }

  return { root, update, destroy() { clock.destroy(); } };
}

// --- the agenda's settings --------------------------------------------------------------

const settings = {
  blank: () => ({ circlePrompt: DEFAULT_PROMPT, circleMode: 'round', circleOrder: 'roster', shareMinutes: '5' }),
  fromItem: (item) => ({
    circlePrompt: item.prompt || '',
    ...(MODES[item.mode] ? { circleMode: item.mode } : {}),
    ...(SPEAKING_ORDERS[item.order] ? { circleOrder: item.order } : {}),
    shareMinutes: String(Math.round((Number(item.shareSeconds) || 0) / 60)),
  }),
  fields(id, v) {
    const circlePrompt = textInput(id('circle-prompt'), v.circlePrompt);
    const circleMode = choiceSelect(id('circle-mode'), MODES, v.circleMode);
    const circleOrder = choiceSelect(id('circle-order'), SPEAKING_ORDERS, v.circleOrder, { 'aria-describedby': id('circle-order-hint') });
    const orderField = h('div', { class: 'order-field' },
      h('label', { for: circleOrder.id }, 'Speaking order'),
      h('p', { class: 'hint', id: id('circle-order-hint') }, 'Late arrivals join the end; you can reorder who has not spoken.'),
      circleOrder);
    const shareMinutes = h('input', {
      type: 'number', id: id('share-minutes'), min: 0, max: 30, step: 1, inputmode: 'numeric', class: 'short',
      value: v.shareMinutes, 'aria-describedby': id('share-hint'),
    });
    return {
      nodes: [
        h('label', { for: circlePrompt.id }, 'Invitation to share'), circlePrompt,
        h('label', { for: circleMode.id }, 'How the talking piece moves'), circleMode,
        orderField,
        h('label', { for: shareMinutes.id }, 'Minutes per share'),
        h('p', { class: 'hint', id: id('share-hint') }, '0 for no time. When the time is up everyone sees a gentle signal; nobody is cut off.'),
        shareMinutes],
      inputs: { circlePrompt, circleMode, circleOrder, shareMinutes },
      refresh() { orderField.hidden = circleMode.value !== 'round'; },
    };
  },
  toItem(v) {
    const p = promptField(v, 'circlePrompt', 'Please write what the circle is invited to share.');
    if (p.error) return p;
    const fields = { prompt: p.prompt, mode: MODES[v.circleMode] ? v.circleMode : 'round' };
    if (fields.mode === 'round') fields.order = SPEAKING_ORDERS[v.circleOrder] ? v.circleOrder : 'roster';
    const minutes = wholeNumber(v.shareMinutes);
    if (Number.isNaN(minutes) || minutes > 30) return { error: 'The time per share is a whole number of minutes from 0 (none) to 30.', field: 'shareMinutes' };
    if (minutes > 0) fields.shareSeconds = minutes * 60;
    return { fields };
  },
  line: (item) => [
    quoted(item.prompt),
    item.mode === 'open' ? 'open floor' : (SPEAKING_ORDERS[item.order] || '').toLowerCase(),
    item.shareSeconds ? `${formatDuration(item.shareSeconds)} a share` : 'no time limit',
  ].filter(Boolean).join(' · '),
  wire: (item) => ({
    prompt: item.prompt, mode: item.mode, order: item.order, shareSeconds: item.shareSeconds,
  }),
};

// --- memory -----------------------------------------------------------------------------

const ORDER_WORDS = { roster: 'in roster order', random: 'in a random order', arranged: 'in an arranged order' };

/**
 * summary is a sharing circle in the session's summary: the order it went
 * in, each turn with its outcome and time, who was not reached. The
 * reactions were for the speaker alone and are not in it.
 * Hooks: ol.circle-story > li[data-turn-name][data-outcome]; p.circle-waiting.
 */
function summary(c, { running }) {
  const how = [c.mode === 'open' ? 'An open floor' : `A round ${ORDER_WORDS[c.order] || ''}`.trim(),
    c.shareSeconds ? `${formatDuration(c.shareSeconds)} a share` : 'no time limit'].join(', ');
  const turns = (c.turns || []).map((t) => {
    let when = '';
    if (!t.outcome) when = `holding the talking piece since ${formatTime(t.startedAt)}`;
    else if (t.n === 0) when = `while waiting, at ${formatTime(t.startedAt)}`;
    else when = `${formatTime(t.startedAt)}–${formatTime(t.endedAt)} (${formatDuration(Math.round(t.duration / 1e9)) || 'a moment'})`;
    return h('li', { dataset: { turnName: t.name, outcome: t.outcome || 'holding' } },
      h('span', { class: 'name' }, t.name),
      t.outcome ? [' — ', h('span', { class: `turn-outcome outcome-${t.outcome}` }, OUTCOMES[t.outcome] || t.outcome)] : null,
      h('span', { class: 'muted small' }, ` · ${when}`));
  });
  let waitingWords = 'Not reached';
  if (running) waitingWords = 'Waiting';
  else if (c.mode === 'open') waitingWords = 'Hands still raised';
  return [
    c.prompt ? h('p', { class: 'prompt-line' }, `“${c.prompt}”`) : null,
    h('p', { class: 'small' }, `${how}.`),
    turns.length ? h('ol', { class: 'circle-story' }, turns) : h('p', { class: 'muted' }, 'Nobody held the talking piece.'),
    c.waiting && c.waiting.length ? h('p', { class: 'small circle-waiting' }, `${waitingWords}: ${c.waiting.join(', ')}.`) : null,
    c.roundOver ? h('p', { class: 'muted small' }, 'The facilitator ended the round.') : null,
  ];
}

/** journey is the circle's order as everyone saw it, and what the member's own turns received. */
function journey(c) {
  return [
    c.prompt ? h('p', { class: 'prompt-line' }, `“${c.prompt}”`) : null,
    c.turns && c.turns.length
      ? h('ol', { class: 'journey-turns' }, c.turns.map((t) => {
        const received = t.mine ? reactionsText(t) : '';
        return h('li', { dataset: { outcome: t.outcome, mine: t.mine ? 'yes' : 'no' } },
          h('span', { class: 'name' }, t.mine ? 'You' : t.name), ` — ${OUTCOMES[t.outcome] || t.outcome}`,
          received ? h('p', { class: 'small received-line' }, received) : null);
      }))
      : h('p', { class: 'muted small' }, 'Nobody held the talking piece.'),
  ];
}

export default {
  kind: 'circle',
  label: 'Sharing circle',
  title: 'Sharing circle',
  startedText: (a) => `The sharing circle has begun: ${a.prompt || ''}`,
  participant,
  console: consoleView,
  settings,
  summary,
  journey,
};
