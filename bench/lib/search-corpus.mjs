// A synthetic chat history for the search bench, the same for every run (seeded): conversations
// of Zipf-like sizes, members who each belong to a few dozen of them, messages of Zipf-distributed
// words (the head real English, the tail made-up words), some of them Chinese or Japanese.

/** mulberry32: a small seeded PRNG. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sampler of ranks 0..n-1 with P(rank k) ∝ 1/(k+1)^s (inverse CDF over a prefix-sum table). */
function zipf(n, s, rand) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const COMMON = (
  'the to i you a and it is that of in for on we this be have my with me not just do at so are was can ' +
  'what but if get will all no up out like know about one now think go there they your time good see ' +
  'yes ok need today tomorrow meeting call please thanks work back new team going should make let ' +
  'would when here how really want week still right also did got some sure then sounds great more ' +
  'doc review release deploy build test fix bug issue plan update morning lunch office project client ' +
  'friday monday budget design report draft launch server check sync notes'
).split(' ');
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'to', 'sa', 'vi', 'ne', 'dor', 'pa', 'li', 'qu', 'ber', 'an', 'tes', 'zo', 'fu', 'gal', 'ix', 'mo', 'ra', 'sen', 'ul', 'wey'];
// Common Chinese characters and kana (the head of a real frequency list, roughly).
const CJK =
  '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单跑' +
  'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞだでどばびぶべぼ';

/** A made-up word of 2–4 syllables for rank `k` (the same word for the same rank in every run). */
function madeUp(k) {
  let word = '';
  let x = k + 7;
  const count = 2 + (k % 3);
  for (let i = 0; i < count; i++) {
    word += SYLLABLES[x % SYLLABLES.length];
    x = Math.floor(x / SYLLABLES.length) + i * 13 + 5;
  }
  return word;
}

/**
 * The corpus: `conversations` conversations holding `messages` messages in all (sizes ∝
 * 1/(rank+1)^0.7), `users` users, each member of 20–50 conversations (at least three members per
 * conversation). `messageAt(i)` gives message i in the order they are written (timestamps rising).
 */
export function searchCorpus({ messages = 1_000_000, conversations = 1000, users = 2000, seed = 18 } = {}) {
  const rand = random(seed);
  const vocabulary = 60_000;
  const words = Array.from({ length: vocabulary }, (_, k) => (k < COMMON.length ? COMMON[k] : madeUp(k)));
  const word = zipf(vocabulary, 1.05, rand);
  const cjk = zipf(CJK.length, 0.9, rand);
  const conversationOf = zipf(conversations, 0.7, rand);
  const ids = Array.from({ length: conversations }, (_, c) => `conv-${String(c).padStart(4, '0')}`);

  // Memberships: each user joins 20–50 conversations, bigger ones more often.
  const members = ids.map(() => new Set());
  const userIds = Array.from({ length: users }, (_, u) => `user-${String(u).padStart(4, '0')}`);
  const membershipsOf = new Map();
  for (const userId of userIds) {
    const count = 20 + Math.floor(rand() * 31);
    const mine = new Set();
    while (mine.size < count) mine.add(rand() < 0.5 ? conversationOf() : Math.floor(rand() * conversations));
    membershipsOf.set(userId, [...mine].map((c) => ids[c]));
    for (const c of mine) members[c].add(userId);
  }
  for (let c = 0; c < conversations; c++) {
    while (members[c].size < 3) {
      const userId = userIds[Math.floor(rand() * users)];
      members[c].add(userId);
      membershipsOf.get(userId).push(ids[c]);
    }
  }
  const memberLists = members.map((set) => [...set]);
  const seqs = new Array(conversations).fill(0);
  const t0 = Date.UTC(2026, 0, 1);
  const span = 365 * 24 * 3600 * 1000;

  function text() {
    if (rand() < 0.05) {
      const length = 5 + Math.floor(rand() * 26);
      let out = '';
      for (let i = 0; i < length; i++) out += CJK[cjk()];
      return out;
    }
    const length = 3 + Math.floor(rand() * 20);
    const out = [];
    for (let i = 0; i < length; i++) out.push(words[word()]);
    return out.join(' ');
  }

  return {
    ids,
    words,
    cjkChars: CJK,
    membershipsOf,
    membersOf: (c) => memberLists[c],
    /** Message i: its conversation (index and id), seq, ts, sender and text. */
    messageAt(i) {
      const c = conversationOf();
      const seq = ++seqs[c];
      const list = memberLists[c];
      return { c, conversationId: ids[c], seq, ts: t0 + Math.floor((i / messages) * span), senderId: list[Math.floor(rand() * list.length)], text: text() };
    },
    seqs,
    messages,
  };
}
