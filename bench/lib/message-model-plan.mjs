// W6's conversations, decided up front from a seed: who sends which message, which ones are
// edited, who reacts with what, where the thread replies go. PLAIN and RICH share the same
// messages (same senders, same texts), so every difference W6 measures is the message model's.
//
// The log is written in rounds, as a chat grows: each round appends a batch of messages, then
// the changes and replies that arrive while that batch is recent (most at once, some later), so
// changes sit among the messages in the log as they would in a real conversation.

/** A small, fast seeded PRNG (mulberry32): the same seed gives the same conversations. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('ok sure the meeting moved to three can you send the doc again thanks looks good to me ' +
  'I think we should ship it today lunch anyone see you tomorrow deploy failed on staging fixed ' +
  'now please review my change when you have a minute the customer asked about pricing').split(' ');
/** Reaction keys, most used first (a few keys carry most reactions in real chats). */
export const KEYS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '🔥'];
const KEY_WEIGHTS = [30, 20, 15, 10, 8, 7, 5, 5];

/** The clientMsgId of planned frame `n` of a kind (ids need at least 8 characters). */
export const planId = (kind, n) => `${kind}-${String(n).padStart(7, '0')}`;

function text(rand) {
  // 2 to ~40 words, mostly short: chat lines, not paragraphs.
  const count = 2 + Math.floor(rand() ** 2 * 38);
  return Array.from({ length: count }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
}

/** Rounds after the target's own at which a change arrives: most at once, a tail later. */
const delay = (rand, nowShare) => (rand() < nowShare ? 0 : 1 + Math.floor(-Math.log(1 - rand()) * 2));

function shuffle(rand, list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/**
 * Reactions per message, skewed like real chats: the message of popularity rank r gets about
 * C / r^0.8 (capped at every user × every key), C chosen so that they add up to `total`.
 */
function reactionCounts(rand, messages, total, cap) {
  const order = shuffle(rand, Array.from({ length: messages }, (_, i) => i));
  const sum = (c) => order.reduce((s, _, r) => s + Math.min(cap, Math.floor(c / (r + 1) ** 0.8)), 0);
  let lo = 0;
  let hi = total;
  while (hi - lo > 1e-3) {
    const mid = (lo + hi) / 2;
    if (sum(mid) < total) lo = mid;
    else hi = mid;
  }
  const counts = new Array(messages).fill(0);
  order.forEach((m, r) => (counts[m] = Math.min(cap, Math.floor(hi / (r + 1) ** 0.8))));
  // Rounding leaves a few over or under: take them from (or give them to) random messages.
  let left = total - counts.reduce((a, b) => a + b, 0);
  while (left !== 0) {
    const m = Math.floor(rand() * messages);
    const step = left > 0 ? (counts[m] < cap ? 1 : 0) : counts[m] > 0 ? -1 : 0;
    counts[m] += step;
    left -= step;
  }
  return counts;
}

/** `count` different (user, key) pairs, popular keys first (weighted sampling without replacement). */
function reactors(rand, users, count) {
  const pairs = [];
  for (let u = 0; u < users; u++) for (let k = 0; k < KEYS.length; k++) pairs.push({ user: u, key: k, score: rand() ** (1 / KEY_WEIGHTS[k]) });
  return pairs.sort((a, b) => b.score - a.score).slice(0, count);
}

/**
 * The plan of one conversation: `rounds[r] = { messages, changes }`, each a list of
 * `{ user, frame }` where a frame names its target by message index (`target`, `threadRoot`),
 * resolved to the server's ids once that message is ACKed. `rich` adds edits, reactions and
 * thread replies; without it the conversation is plain messages.
 */
export function planConversation({ seed, users, messages, rounds, rich }) {
  const plan = Array.from({ length: rounds }, () => ({ messages: [], changes: [] }));
  const perRound = Math.ceil(messages / rounds);
  const roundOf = (m) => Math.floor(m / perRound);
  const later = (rand, m, nowShare) => Math.min(rounds - 1, roundOf(m) + delay(rand, nowShare));
  const sender = [];
  const rand = random(seed);
  for (let m = 0; m < messages; m++) {
    sender[m] = Math.floor(rand() * users);
    plan[roundOf(m)].messages.push({ user: sender[m], frame: { kind: 'send', id: planId('msg', m), data: { text: text(rand) } } });
  }
  const counts = { messages, edits: 0, reacts: 0, unreacts: 0, replies: 0 };
  if (!rich) return { rounds: plan, counts };
  const r = random(seed ^ 0x5eed);
  const change = (round, user, id, target, body) => plan[round].changes.push({ user, frame: { kind: 'change', id, target, change: body } });
  for (const m of shuffle(r, Array.from({ length: messages }, (_, i) => i)).slice(0, rich.edits)) {
    change(later(r, m, 0.8), sender[m], planId('edit', m), m, { kind: 'edit', text: text(r) });
    counts.edits++;
  }
  // Reactions: adds, then take-backs of some of them in a later round (never before their add).
  const adds = [];
  reactionCounts(r, messages, rich.reactions - rich.unreacts, users * KEYS.length).forEach((count, m) => {
    for (const { user, key } of reactors(r, users, count)) adds.push({ m, user, key, round: later(r, m, 0.6) });
  });
  for (const [n, a] of adds.entries()) change(a.round, a.user, planId('react', n), a.m, { kind: 'react', key: KEYS[a.key] });
  const undone = shuffle(r, adds.filter((a) => a.round < rounds - 1)).slice(0, rich.unreacts);
  for (const [n, a] of undone.entries()) change(Math.min(rounds - 1, a.round + 1 + delay(r, 0.5)), a.user, planId('unreact', n), a.m, { kind: 'unreact', key: KEYS[a.key] });
  counts.reacts = adds.length;
  counts.unreacts = undone.length;
  // Thread replies: a few threads, a couple of long ones, most short.
  const roots = shuffle(r, Array.from({ length: messages - perRound }, (_, i) => i)).slice(0, rich.threads);
  for (let n = 0; n < rich.replies; n++) {
    const root = roots[Math.floor(r() ** 2 * roots.length)];
    const user = Math.floor(r() * users);
    plan[later(r, root, 0.3)].changes.push({ user, frame: { kind: 'send', id: planId('reply', n), threadRoot: root, data: { text: text(r) } } });
    counts.replies++;
  }
  for (const round of plan) shuffle(r, round.changes);
  return { rounds: plan, counts };
}
