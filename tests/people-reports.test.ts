import { describe, expect, it } from 'vitest';
import { ErrorCode, type ErrorFrame, type ReportResultFrame } from '@parley/protocol';
import type { StoredReport } from '@parley/server-sdk';
import { createGroup, sendText, until } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { testScope } from './helpers/scope.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import { FAST } from './helpers/webhook-setup.js';

const scope = testScope();
const SECRET = 'whsec-reports';

const report = (w: WireClient, conversationId: string, messageId: string, reason: string) =>
  w.request<ReportResultFrame | ErrorFrame>({ type: 'report', reqId: nextId('rep-'), conversationId, messageId, reason });

async function reported(w: WireClient, conversationId: string, messageId: string, reason: string): Promise<string> {
  const answer = await report(w, conversationId, messageId, reason);
  if (answer.type !== 'report.result') throw new Error(`report failed: ${JSON.stringify(answer)}`);
  return answer.reportId;
}

describe('reports', () => {
  it("stores a member's report, tells chat.on('report'), lists it; reporting again updates it under the same id", async () => {
    const s = await scope.server();
    const heard: StoredReport[] = [];
    s.chat.on('report', (r) => heard.push(r));
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const group = await createGroup(alice, ['bob']);
    const spam = await sendText(alice, group, 'buy cheap watches');

    const id = await reported(bob, group, spam.eventId, 'spam');
    expect(heard).toEqual([
      { id, conversationId: group, messageId: spam.eventId, messageSeq: spam.seq, reporterId: 'bob', reason: 'spam', createdAt: expect.any(Number), updatedAt: expect.any(Number) },
    ]);
    expect(await s.chat.api.listReports()).toEqual(heard);

    expect(await reported(bob, group, spam.eventId, 'spam, and rude')).toBe(id);
    expect(heard.map((r) => r.reason)).toEqual(['spam', 'spam, and rude']);
    const [only, ...rest] = await s.chat.api.listReports({ conversationId: group });
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ id, reason: 'spam, and rude', createdAt: heard[0]!.createdAt });
    expect(only!.updatedAt).toBeGreaterThanOrEqual(only!.createdAt);
    // Nobody in the conversation hears of a report.
    expect(alice.frames.some((f) => JSON.stringify(f).includes('spam'))).toBe(false);
  });

  it('answers NOT_FOUND to a non-member (as for a missing conversation), for a message of another conversation or none; stores nothing', async () => {
    const s = await scope.server();
    const heard: StoredReport[] = [];
    s.chat.on('report', (r) => heard.push(r));
    const alice = await scope.wire(s, 'alice');
    const mallory = await scope.wire(s, 'mallory');
    const group = await createGroup(alice, ['bob']);
    const other = await createGroup(alice, ['carol']);
    const message = await sendText(alice, group, 'hello');
    const elsewhere = await sendText(alice, other, 'elsewhere');

    const outsider = await report(mallory, group, message.eventId, 'curious');
    const missing = await report(mallory, 'g_nope', message.eventId, 'curious');
    expect(outsider).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
    expect({ ...outsider, reqId: '' }).toEqual({ ...missing, reqId: '' });
    expect(await report(alice, group, elsewhere.eventId, 'wrong place')).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
    expect(await report(alice, group, 'e_missing', 'nothing')).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
    const [created] = await s.store.readAfter(group, 0, 1);
    expect(await report(alice, group, created!.id, 'not a message')).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
    expect(await report(alice, group, message.eventId, '')).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    expect(heard).toEqual([]);
    expect(await s.chat.api.listReports()).toEqual([]);
  });

  it("queues a webhook notice per report version ('message.reported', id report:<id>:<updatedAt>) before answering", async () => {
    const hook = scope.adopt(await startWebhookReceiver(SECRET));
    const s = await scope.server({ webhooks: { ...FAST, endpoints: [{ name: 'mod', url: hook.url, secret: SECRET, events: ['message.reported'] }] } });
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const group = await createGroup(alice, ['bob']);
    const message = await sendText(alice, group, 'rude words');
    const id = await reported(bob, group, message.eventId, 'rude');
    const first = (await s.chat.api.listReports())[0]!;
    // Answered means queued.
    expect((await s.chat.webhooks!.list({ state: 'pending' })).concat(await s.chat.webhooks!.list({ state: 'delivered' })).map((d) => d.eventId)).toContain(
      `report:${id}:${first.updatedAt}`,
    );
    await until(() => hook.delivered().has(`report:${id}:${first.updatedAt}`), 30_000, 'the first notice');
    expect(hook.delivered().get(`report:${id}:${first.updatedAt}`)).toMatchObject({
      type: 'message.reported',
      conversationId: group,
      data: { id, messageId: message.eventId, reporterId: 'bob', reason: 'rude' },
    });
    // Only the report kinds this endpoint asked for: the message itself was not sent.
    expect(hook.delivered().has(message.eventId)).toBe(false);

    // Reported again later with a new reason: a new notice.
    await until(() => Date.now() > first.updatedAt, 5_000, 'the clock to move');
    await reported(bob, group, message.eventId, 'very rude');
    const second = (await s.chat.api.listReports())[0]!;
    await until(() => hook.delivered().has(`report:${id}:${second.updatedAt}`), 30_000, 'the second notice');
    expect(hook.delivered().get(`report:${id}:${second.updatedAt}`)).toMatchObject({ data: { reason: 'very rude' } });
  });

  it('lists reports newest first, by conversation, a page at a time; refuses bad filters', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const one = await createGroup(alice, ['bob']);
    const two = await createGroup(alice, ['bob']);
    const ids: string[] = [];
    for (const [conversationId, text] of [[one, 'a'], [two, 'b'], [one, 'c']] as const) {
      const message = await sendText(alice, conversationId, text);
      ids.push(await reported(bob, conversationId, message.eventId, `about ${text}`));
      // Distinct times, so "newest first" has one answer.
      const at = Date.now();
      await until(() => Date.now() > at, 5_000, 'the clock to move');
    }
    expect((await s.chat.api.listReports()).map((r) => r.id)).toEqual([...ids].reverse());
    expect((await s.chat.api.listReports({ conversationId: one })).map((r) => r.reason)).toEqual(['about c', 'about a']);
    const page1 = await s.chat.api.listReports({ limit: 2 });
    const page2 = await s.chat.api.listReports({ limit: 2, after: page1[1]!.id });
    expect([...page1, ...page2].map((r) => r.id)).toEqual([...ids].reverse());
    await expect(s.chat.api.listReports({ limit: 0 })).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
    await expect(s.chat.api.listReports({ conversationId: '' })).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
  });
});
