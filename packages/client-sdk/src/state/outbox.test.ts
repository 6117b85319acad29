import { describe, expect, it } from 'vitest';
import {
  applyNack,
  applyUploadIncomplete,
  MAX_REUPLOADS,
  predecessors,
  withAttachment,
  dueEntries,
  markEmitted,
  MAX_IN_FLIGHT_PER_CONVERSATION,
  newEntry,
  nextDueAt,
  putEntry,
  removeEntry,
  resetForConnection,
  retryEntry,
  type Outbox,
} from './outbox.js';

const backoff = { baseMs: 100, maxMs: 1_000 };
const ACK_TIMEOUT = 5_000;

describe('outbox state machine', () => {
  it('keeps entries in creation (clientMsgId) order whatever the insertion order', () => {
    let outbox: Outbox = [];
    outbox = putEntry(outbox, newEntry('0001-b', 'c1', 'b', 0));
    outbox = putEntry(outbox, newEntry('0001-a', 'c1', 'a', 0));
    outbox = putEntry(outbox, newEntry('0002-a', 'c2', 'c', 0));
    expect(outbox.map((e) => e.clientMsgId)).toEqual(['0001-a', '0001-b', '0002-a']);
  });

  it('sends a new entry at once, then again only after the ack timeout', () => {
    const entry = newEntry('m1', 'c1', 'hi', 0);
    expect(dueEntries([entry], 0, ACK_TIMEOUT)).toEqual([entry]);
    const sent = markEmitted(entry, 100);
    expect(sent.attempts).toBe(1);
    expect(dueEntries([sent], 100 + ACK_TIMEOUT - 1, ACK_TIMEOUT)).toEqual([]);
    expect(dueEntries([sent], 100 + ACK_TIMEOUT, ACK_TIMEOUT)).toEqual([sent]);
    expect(nextDueAt([sent], ACK_TIMEOUT)).toBe(100 + ACK_TIMEOUT);
  });

  it('waits twice as long for each unanswered resend, up to eight ack timeouts', () => {
    let entry = newEntry('m1', 'c1', 'hi', 0);
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 6; i++) {
      entry = markEmitted(entry, now);
      const next = nextDueAt([entry], ACK_TIMEOUT)!;
      waits.push((next - now) / ACK_TIMEOUT);
      now = next;
    }
    expect(waits).toEqual([1, 2, 4, 8, 8, 8]);
  });

  it('puts at most a window of one conversation\'s messages on the wire; the next goes when one settles', () => {
    const ids = Array.from({ length: MAX_IN_FLIGHT_PER_CONVERSATION + 5 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    let outbox: Outbox = ids.map((id) => newEntry(id, 'c1', id, 0));
    outbox = putEntry(outbox, newEntry('z-other', 'c2', 'other', 0));
    const first = dueEntries(outbox, 0, ACK_TIMEOUT);
    expect(first.filter((e) => e.conversationId === 'c1')).toHaveLength(MAX_IN_FLIGHT_PER_CONVERSATION);
    expect(first.some((e) => e.conversationId === 'c2')).toBe(true); // other conversations go on
    for (const entry of first) outbox = putEntry(outbox, markEmitted(entry, 0));
    expect(dueEntries(outbox, 1, ACK_TIMEOUT)).toEqual([]);
    outbox = removeEntry(outbox, ids[0]!); // acknowledged
    expect(dueEntries(outbox, 1, ACK_TIMEOUT).map((e) => e.clientMsgId)).toEqual([ids[MAX_IN_FLIGHT_PER_CONVERSATION]]);
  });

  it('retries a retryable nack after a full-jitter backoff within bounds', () => {
    let entry = markEmitted(newEntry('m1', 'c1', 'hi', 0), 0);
    entry = applyNack(entry, { code: 4290, message: 'slow down', retryable: true }, 1_000, backoff, () => 0.999);
    expect(entry.status).toBe('pending');
    expect(entry.retryAt).toBe(1_000 + 99);
    expect(dueEntries([entry], 1_098, ACK_TIMEOUT)).toEqual([]);
    expect(dueEntries([entry], 1_099, ACK_TIMEOUT)).toEqual([entry]);
    // Third attempt: the ceiling has doubled twice.
    entry = markEmitted(markEmitted(entry, 1_099), 1_200);
    entry = applyNack(entry, { code: 5030, message: 'busy', retryable: true }, 2_000, backoff, () => 0.999);
    expect(entry.retryAt).toBe(2_000 + 399);
  });

  it('fails visibly on a definitive nack and is never due again until retried', () => {
    const failed = applyNack(markEmitted(newEntry('m1', 'c1', 'hi', 0), 0), { code: 4040, message: 'not found', retryable: false }, 10, backoff);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ code: 4040, message: 'not found' });
    expect(dueEntries([failed], 1e12, ACK_TIMEOUT)).toEqual([]);
    expect(nextDueAt([failed], ACK_TIMEOUT)).toBeUndefined();

    const retried = retryEntry(failed);
    expect(retried).toMatchObject({ clientMsgId: 'm1', status: 'pending', attempts: 0 });
    expect(retried.error).toBeUndefined();
    expect(dueEntries([retried], 0, ACK_TIMEOUT)).toEqual([retried]);
  });

  it('resends every pending entry on a new connection, ignoring timers but not failures', () => {
    const waiting = markEmitted(newEntry('m1', 'c1', 'a', 0), 0);
    const backingOff = applyNack(markEmitted(newEntry('m2', 'c1', 'b', 0), 0), { code: 4290, message: '', retryable: true }, 0, backoff, () => 0.5);
    const failed = applyNack(newEntry('m3', 'c1', 'c', 0), { code: 4000, message: 'bad', retryable: false }, 0, backoff);
    const outbox = resetForConnection([waiting, backingOff, failed]);
    expect(dueEntries(outbox, 0, ACK_TIMEOUT).map((e) => e.clientMsgId)).toEqual(['m1', 'm2']);
    expect(outbox[2]).toBe(failed);
    expect(resetForConnection(outbox)).toBe(outbox);
  });

  it('holds later messages of a conversation behind one waiting out a backoff, never overtaking it', () => {
    const first = applyNack(markEmitted(newEntry('m1', 'c1', 'first', 0), 0), { code: 4290, message: '', retryable: true }, 0, backoff, () => 0.5);
    const second = newEntry('m2', 'c1', 'second', 0);
    const elsewhere = newEntry('m3', 'c2', 'other conversation', 0);
    const outbox = [first, second, elsewhere];
    const retryAt = first.retryAt ?? 0;
    expect(dueEntries(outbox, retryAt - 1, ACK_TIMEOUT).map((e) => e.clientMsgId)).toEqual(['m3']);
    expect(nextDueAt([first, second], ACK_TIMEOUT)).toBe(retryAt);
    expect(dueEntries(outbox, retryAt, ACK_TIMEOUT).map((e) => e.clientMsgId)).toEqual(['m1', 'm2', 'm3']);
  });

  it('holds a message with files, and the later messages of its conversation, until every file is uploaded', () => {
    const files = [
      { localId: 'f1', name: 'a.png', size: 10, mimeType: 'image/png' },
      { localId: 'f2', name: 'b.pdf', size: 20, mimeType: 'application/pdf' },
    ];
    let withFiles = newEntry('m1', 'c1', { text: 'photos', attachments: files }, 0);
    const after = newEntry('m2', 'c1', 'after the photos', 0);
    const elsewhere = newEntry('m3', 'c2', 'other conversation', 0);
    const due = () => dueEntries(putEntry(putEntry([withFiles], after), elsewhere), 0, ACK_TIMEOUT).map((e) => e.clientMsgId);
    expect(due()).toEqual(['m3']);
    expect(nextDueAt([withFiles, after], ACK_TIMEOUT)).toBeUndefined();
    // The later message still names the waiting one as the message the server must store first.
    expect(predecessors([withFiles, after]).get('m2')).toBe('m1');

    withFiles = withAttachment(withFiles, 'f1', (f) => ({ ...f, id: 'at_1', uploaded: true }));
    expect(due()).toEqual(['m3']);
    withFiles = withAttachment(withFiles, 'f2', (f) => ({ ...f, id: 'at_2', uploaded: true }));
    expect(due()).toEqual(['m1', 'm2', 'm3']);

    // A failed message with files holds nothing back (it is out of the chain until retried).
    const failed = { ...newEntry('m4', 'c3', { attachments: files }, 0), status: 'failed' as const };
    expect(dueEntries([failed, newEntry('m5', 'c3', 'next', 0)], 0, ACK_TIMEOUT).map((e) => e.clientMsgId)).toEqual(['m5']);
  });

  it('uploads the files again after UPLOAD_INCOMPLETE, keeping their slots, a few times, then fails', () => {
    const nack = { code: 4220, message: 'the upload of a.png is not complete' };
    let entry = markEmitted(newEntry('m1', 'c1', { attachments: [{ localId: 'f1', name: 'a.png', size: 10, mimeType: 'image/png', id: 'at_1', uploaded: true }] }, 0), 0);
    for (let i = 1; i <= MAX_REUPLOADS; i++) {
      entry = applyUploadIncomplete(entry, nack);
      expect(entry).toMatchObject({ status: 'pending', reuploads: i, attachments: [{ localId: 'f1', id: 'at_1' }] });
      expect(entry.attachments?.[0]?.uploaded).toBeUndefined();
      expect(dueEntries([entry], 0, ACK_TIMEOUT)).toEqual([]);
      entry = markEmitted(withAttachment(entry, 'f1', (f) => ({ ...f, uploaded: true })), 0);
    }
    entry = applyUploadIncomplete(entry, nack);
    expect(entry).toMatchObject({ status: 'failed', error: nack });
    const retried = retryEntry(entry);
    expect([retried.status, retried.reuploads]).toEqual(['pending', undefined]);
  });

  it('removes only the named entry, and returns the same outbox when absent', () => {
    const outbox = [newEntry('m1', 'c1', 'a', 0), newEntry('m2', 'c1', 'b', 0)];
    expect(removeEntry(outbox, 'm1').map((e) => e.clientMsgId)).toEqual(['m2']);
    expect(removeEntry(outbox, 'zz')).toBe(outbox);
  });
});
