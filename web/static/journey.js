// journey.js — "Your journey" on the participant's page: their own check-ins,
// check-outs, intentions, reflections and steps across the cohort's
// sessions, and what the group shared in the open while they were there
// (revealed intentions as they were shown, the circle's order). The server decides what is in it
// (room/journey.go); this only lays it out, phone first, as text.

import { h, append, formatDateTime, stateBadge } from './dom.js';
import { itemTitle, formatDuration, wordCloud } from './agenda.js';
import { OUTCOMES as INTENTION_OUTCOMES } from './intentions.js';
import { OUTCOMES as TURN_OUTCOMES, REACTIONS } from './circle.js';

const ONLY_FACILITATORS = 'Your answer went to the facilitators only.';

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

function outcomeWords(outcome) {
  const o = INTENTION_OUTCOMES[outcome];
  return o ? [h('span', { 'aria-hidden': 'true' }, `${o.icon} `), o.label] : [outcome];
}

/**
 * intentionsMoment is the participant's own part of an intentions
 * activity and, when they were revealed, the group's intentions as they
 * were shown: with names or without.
 */
function intentionsMoment(ins) {
  const out = [h('p', { class: 'prompt-line' }, `“${ins.prompt}”`)];
  out.push(ins.mine
    ? [h('p', { class: 'small label-line' }, 'Your intention'), h('p', { class: 'shown-text preserve' }, ins.mine.text)]
    : h('p', { class: 'muted small' }, 'You did not write an intention this time.'));
  if (ins.reflections && ins.reflections.length) {
    out.push(h('p', { class: 'small label-line' }, 'You looked back on'),
      h('ul', { class: 'plain reflection-list' }, ins.reflections.map((r) => h('li', null,
        h('span', { class: 'preserve' }, `“${r.intention}”`),
        r.sessionTitle ? h('span', { class: 'muted small' }, ` (${r.sessionTitle})`) : null,
        ': ', h('strong', null, outcomeWords(r.outcome))))));
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

/** receivedWords says the reactions to one of the participant's own turns. */
function receivedWords(t) {
  const parts = Object.entries(REACTIONS)
    .map(([kind, r]) => [r.label.toLowerCase(), (t.reactions || {})[kind] || 0])
    .filter(([, count]) => count > 0)
    .map(([label, count]) => `${count} × “${label}”`);
  if (!parts.length) return null;
  return h('p', { class: 'small received-line' }, `${t.outcome === 'spoke' ? 'While you shared' : 'While you held the talking piece'}, the group sent: ${parts.join(', ')}.`);
}

/** circleMoment is the circle's order, as everyone saw it. */
function circleMoment(c) {
  return [
    c.prompt ? h('p', { class: 'prompt-line' }, `“${c.prompt}”`) : null,
    c.turns && c.turns.length
      ? h('ol', { class: 'journey-turns' }, c.turns.map((t) => h('li', { dataset: { outcome: t.outcome, mine: t.mine ? 'yes' : 'no' } },
        h('span', { class: 'name' }, t.mine ? 'You' : t.name), ` — ${TURN_OUTCOMES[t.outcome] || t.outcome}`,
        t.mine ? receivedWords(t) : null)))
      : h('p', { class: 'muted small' }, 'Nobody held the talking piece.'),
  ];
}

function momentView(m, n, sessionIndex) {
  const li = h('li', { class: 'moment', dataset: { kind: m.kind } },
    h('h3', null, itemTitle({ kind: m.kind, title: m.title })));
  if (m.checkin) {
    const ci = m.checkin;
    li.append(h('p', { class: 'prompt-line' }, `“${ci.prompt}”`));
    if (ci.mine) {
      li.append(h('p', { class: 'small label-line' }, 'You'), h('ul', { class: 'plain answers' }, answerLine(ci.mine, null)));
      if (ci.visibility === 'facilitators') li.append(h('p', { class: 'muted small' }, ONLY_FACILITATORS));
    } else {
      li.append(h('p', { class: 'muted small' }, 'You did not answer this one.'));
    }
    if (ci.group && ci.group.length) {
      li.append(h('p', { class: 'small label-line' }, 'Shared with the group'),
        h('ul', { class: 'plain answers' }, ci.group.map((a) => answerLine(a, a.name))));
    }
    if (ci.aggregate) {
      const s = ci.aggregate.states || {};
      li.append(h('p', { class: 'small' },
        `The group, without names: ${ci.aggregate.count} answers, average ${Number(ci.aggregate.scaleAverage).toFixed(1)} out of 10; `,
        `${s.within || 0} within the window, ${s.hyper || 0} hyper-aroused, ${s.hypo || 0} hypo-aroused.`));
    }
  } else if (m.grounding) {
    li.append(h('p', null, `A grounding pause of ${formatDuration(m.grounding.seconds)}, together.`));
  } else if (m.checkout) {
    const co = m.checkout;
    li.append(h('p', { class: 'prompt-line' }, `“${co.prompt}”`));
    li.append(co.mine
      ? h('p', null, 'Your word: ', h('strong', { class: 'my-word' }, co.mine.word), co.mine.state ? [' · you left ', stateBadge(co.mine.state, 'quiet-state')] : null)
      : h('p', { class: 'muted small' }, 'You did not give a word this time.'));
    if (co.cloud && co.cloud.length) {
      li.append(h('p', { class: 'small label-line' }, 'The group’s words'), wordCloud(co.cloud, `journey-cloud-${sessionIndex}-${n}`));
    }
  } else if (m.intentions) {
    append(li, intentionsMoment(m.intentions));
  } else if (m.circle) {
    append(li, circleMoment(m.circle));
  }
  return li;
}

/**
 * journeyList lays out GET /api/p/{token}/history.
 * Hooks: #journey-list > li[data-session-id] > ol > li.moment[data-kind].
 */
export function journeyList(history) {
  const sessions = (history && history.sessions) || [];
  if (sessions.length === 0) {
    return h('p', { class: 'muted', id: 'journey-empty' }, 'Nothing here yet. After your first session, what you shared will be here for you to look back on.');
  }
  return h('ol', { id: 'journey-list', class: 'plain journey-list' }, sessions.map((s, i) => h('li', { dataset: { sessionId: s.sessionId } },
    h('h2', null, s.title),
    h('p', { class: 'muted small' }, formatDateTime(s.openedAt), s.status === 'open' ? ' · happening now' : ''),
    !s.came
      ? h('p', { class: 'muted' }, 'You were not there this time.')
      : (s.moments.length
        ? h('ol', { class: 'plain moments' }, s.moments.map((m, n) => momentView(m, n, i)))
        : h('p', { class: 'muted' }, 'Nothing was shared in this session.')))));
}
