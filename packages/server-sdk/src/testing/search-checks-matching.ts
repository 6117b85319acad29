import { expect } from 'vitest';
import { T0, expectedByRule, found, indexMessages, keys, type Message, type SearchCheck } from './search-fixtures.js';

/** Messages of conversation `c`, seq 1, 2… in order. */
const conversation = (...texts: string[]): Message[] => texts.map((text, i) => ({ conversationId: 'c', seq: i + 1, text }));

/**
 * Indexes `messages`, then checks each query finds what is written next to it, and that the
 * protocol's rule (`matchSearch`) agrees.
 */
async function expectFinds(index: Parameters<SearchCheck['run']>[0]['index'], messages: Message[], cases: Record<string, number[]>): Promise<void> {
  await indexMessages(index, messages);
  for (const [query, seqs] of Object.entries(cases)) {
    expect(expectedByRule(messages, query), `the kit's own expectation for ${query}`).toEqual(keys('c', ...seqs));
    expect(await found(index, ['c'], query), `search ${query}`).toEqual(keys('c', ...seqs));
  }
}

/** What a query matches: the one rule of search-text.ts in `@parley/protocol`. */
export const searchMatchingChecks: readonly SearchCheck[] = [
  {
    name: 'a word finds the words it starts, in any case and with or without accents, and no others',
    async run({ index }) {
      const messages = conversation('Meeting at the Café', 'The MEETINGS are over', 'cafeteria closed', 'a thermometer', 'crème brûlée tonight', 'we met');
      await expectFinds(index, messages, {
        meet: [1, 2],
        MEETING: [1, 2],
        meetings: [2],
        eting: [],
        cafe: [1, 3],
        'CAFÉ': [1, 3],
        the: [1, 2, 4],
        Brulee: [5],
        'creme BRÛLÉE': [5],
        meetingroom: [],
      });
    },
  },
  {
    name: 'a word that starts many different words finds every one of them',
    async run({ index }) {
      const messages = [
        ...conversation(...Array.from({ length: 25 }, (_, i) => `we discuss plan${i + 1} today`)),
        { conversationId: 'c', seq: 26, text: 'planet earth' },
        { conversationId: 'c', seq: 27, text: 'the plaza' },
        { conversationId: 'c', seq: 28, text: 'an airplane' },
      ];
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
      await expectFinds(index, messages, {
        plan: range(1, 26),
        pla: range(1, 27),
        plane: [26],
        plan1: [1, ...range(10, 19)],
        'plan2 today': [2, ...range(20, 25)],
        plan26: [],
        planets: [],
      });
    },
  },
  {
    name: 'a quoted phrase finds its words whole, adjacent and in order',
    async run({ index }) {
      const messages = conversation('see you at the new office', 'the office is new', 'at the newest office', 'new offices open', 'New, office!');
      await expectFinds(index, messages, {
        '"new office"': [1, 5],
        '"office new"': [],
        '"the new office"': [1],
        '"new offices"': [4],
        '"newest office"': [3],
        '"new off"': [],
        '"ne office"': [],
        // One quoted word is a word like any other: it finds the words it starts.
        '"offic"': [1, 2, 3, 4, 5],
      });
    },
  },
  {
    name: 'a run of characters of a script written without spaces finds those characters, adjacent and in that order',
    async run({ index }) {
      const messages = conversation('明天在東京见面', '京東的会议', '東 京', 'とうきょうタワー', '東西京');
      await expectFinds(index, messages, {
        '東京': [1, 3],
        '京東': [2],
        '東': [1, 2, 3, 5],
        '会议': [2],
        'きょう': [4],
        'タワー東京': [],
        '"東京"': [1, 3],
      });
    },
  },
  {
    name: 'every term of a query must match (words, phrases and runs together)',
    async run({ index }) {
      const messages = conversation('alpha beta gamma', 'alpha gamma beta', 'beta only', 'alpha in 東京', 'gamma alpha');
      await expectFinds(index, messages, {
        'alpha beta': [1, 2],
        'beta alpha': [1, 2],
        'alpha "beta gamma"': [1],
        'alpha 東京': [4],
        'alp gam': [1, 2, 5],
        'alpha beta delta': [],
        'alpha alpha': [1, 2, 4, 5],
      });
    },
  },
  {
    name: 'senderId keeps the messages of that sender only',
    async run({ index }) {
      await indexMessages(index, [
        { conversationId: 'c', seq: 1, text: 'lunch today?', senderId: 'alice' },
        { conversationId: 'c', seq: 2, text: 'lunch at noon', senderId: 'bob' },
        { conversationId: 'd', seq: 1, text: 'lunch with carol', senderId: 'bob' },
        { conversationId: 'd', seq: 2, text: 'no lunch', senderId: 'carol' },
      ]);
      expect(await found(index, ['c', 'd'], 'lunch', { senderId: 'bob' })).toEqual(['c#2', 'd#1']);
      expect(await found(index, ['c', 'd'], 'lunch', { senderId: 'alice', order: 'relevance' })).toEqual(['c#1']);
      expect(await found(index, ['c', 'd'], 'lunch', { senderId: 'dave' })).toEqual([]);
      expect(await found(index, ['c', 'd'], 'carol', { senderId: 'carol' })).toEqual([]);
    },
  },
  {
    name: 'before and after keep the messages sent strictly between them',
    async run({ index }) {
      await indexMessages(index, [1, 2, 3, 4, 5].map((seq) => ({ conversationId: 'c', seq, text: `report ${seq}`, ts: T0 + seq * 1000 })));
      const at = (seq: number) => T0 + seq * 1000;
      expect(await found(index, ['c'], 'report', { before: at(3) })).toEqual(keys('c', 1, 2));
      expect(await found(index, ['c'], 'report', { after: at(3) })).toEqual(keys('c', 4, 5));
      expect(await found(index, ['c'], 'report', { after: at(1), before: at(5) })).toEqual(keys('c', 2, 3, 4));
      expect(await found(index, ['c'], 'report', { after: at(2), before: at(4), order: 'relevance' })).toEqual(keys('c', 3));
      expect(await found(index, ['c'], 'report', { after: at(3), before: at(4) })).toEqual([]);
      expect(await found(index, ['c'], 'report', { before: at(1) })).toEqual([]);
    },
  },
  {
    name: 'a search finds messages of the conversations it names only',
    async run({ index }) {
      const texts = ['the plan for friday', 'friday it is'];
      await indexMessages(index, ['c1', 'c2', 'c3', 'c10'].flatMap((conversationId) => texts.map((text, i) => ({ conversationId, seq: i + 1, text }))));
      expect(await found(index, ['c1', 'c3'], 'friday')).toEqual([...keys('c1', 1, 2), ...keys('c3', 1, 2)]);
      expect(await found(index, ['c2'], 'friday', { order: 'relevance' })).toEqual(keys('c2', 1, 2));
      expect(await found(index, ['c1'], 'friday')).toEqual(keys('c1', 1, 2));
      expect(await found(index, ['c1', 'c1', 'c3'], 'plan')).toEqual(['c1#1', 'c3#1']);
      expect(await found(index, ['c4'], 'friday')).toEqual([]);
      expect(await found(index, ['c', 'c1x', 'c0'], 'friday')).toEqual([]);
    },
  },
];
