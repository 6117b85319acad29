import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { HistoryFrame, SearchFrame, SyncFrame } from '@parley/protocol';
import { leaderAndFollower, origin, until } from '../../test/support/tab-origin.js';
import { message, summary } from '../../test/support/fixtures.js';

describe('search and jumps in several tabs', () => {
  it("forwards a follower's search to the leader's connection and answers it there", async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { follower } = await leaderAndFollower(tabs);
    const found = follower.search('text', { limit: 5 });
    await until(() => wires[0]!.frames('search').length === 1, 'the forwarded search');
    const asked = wires[0]!.frames('search')[0] as SearchFrame;
    expect(asked).toMatchObject({ query: 'text', limit: 5 });
    wires[0]!.push({ type: 'search.result', reqId: asked.reqId, hits: [{ conversationId: 'c1', seq: 1, message: message(1) as never, snippet: 'text 1', highlights: [[0, 4]] }] });
    const page = await found;
    expect(page).toMatchObject({ source: 'server', offline: false });
    expect(page.hits.map((h) => [h.message.text, h.from])).toEqual([['text 1', 'server']]);
  });

  it("opens a follower's jump far back as a window both tabs show, kept out of the cache, and closes it from either", async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { leader, follower } = await leaderAndFollower(tabs);
    // A long conversation the client holds the tail of (seqs 201 to 210).
    wires[0]!.push({ type: 'conversation', conversation: summary({ id: 'c2', lastSeq: 210 }) });
    await until(() => wires[0]!.frames('sync').length === 2, 'the tail asked');
    const sync = wires[0]!.frames('sync').at(-1) as SyncFrame;
    const tail = Array.from({ length: 10 }, (_, i) => message(201 + i, 'bob', { conversationId: 'c2' }));
    wires[0]!.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary({ id: 'c2', lastSeq: 210 })], removed: [], events: tail, hasMore: false });
    await until(() => follower.getMessages('c2').length === 10, 'the tail on the follower');

    const jump = follower.loadAround('c2', 50);
    await until(() => wires[0]!.frames('history').length === 1, 'the window asked');
    const asked = wires[0]!.frames('history')[0] as HistoryFrame;
    expect(asked).toMatchObject({ conversationId: 'c2', aroundSeq: 50 });
    const around = Array.from({ length: 21 }, (_, i) => message(40 + i, 'bob', { conversationId: 'c2' }));
    wires[0]!.push({ type: 'history.result', reqId: asked.reqId, conversationId: 'c2', events: around, hasMore: true, hasNewer: true });
    await expect(jump).resolves.toMatchObject({ source: 'server', found: true, window: true, hasNewer: true });
    for (const tab of [leader, follower]) {
      await until(() => tab.getSnapshot().windows['c2'] !== undefined, 'the window in every tab');
      expect(tab.getSnapshot().windows['c2']).toMatchObject({ aroundSeq: 50, fromSeq: 40, toSeq: 60, hasOlder: true, hasNewer: true });
      expect(tab.getTimeline('c2').map((m) => m.seq)).toEqual(around.map((e) => e.seq));
      expect(tab.getMessages('c2').map((m) => m.seq)).toEqual(tail.map((e) => e.seq));
    }
    follower.closeWindow('c2');
    for (const tab of [leader, follower]) {
      await until(() => tab.getSnapshot().windows['c2'] === undefined, 'the window closed in every tab');
      expect(tab.getTimeline('c2').map((m) => m.seq)).toEqual(tail.map((e) => e.seq));
    }
  });
});
