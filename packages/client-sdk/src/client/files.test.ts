import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION, type AttachmentUrlsFrame, type SyncFrame, type UploadFrame } from '@parley/protocol';
import { createChatClientWith } from './chat-client.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createFakeWire, createManualTimers, flushAsync } from '../../test/support/fake-wire.js';
import { summary } from '../../test/support/fixtures.js';
import type { FileUpload } from '../files/put-file.js';
import type { ChatClient } from '../types.js';

const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: { maxAttachmentBytes: 1_000_000, maxAttachmentUrlsPerRequest: 50 } } as const;
const clients: ChatClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

/** A client over a fake wire, online with conversation c1, whose PUTs the test answers. */
async function setup() {
  const wire = createFakeWire();
  const clock = createManualTimers();
  const puts: { upload: FileUpload; answer(status: number): void; fail(): void }[] = [];
  const storage = createMemoryStorage();
  const chat = createChatClientWith(
    {
      url: 'http://parley.test', getToken: async () => 'tok', deviceId: 'd1', storage, ackTimeoutMs: 5_000, reconnect: { baseMs: 1_000, maxMs: 8_000 },
      uploadFile: (upload) => new Promise((resolve, reject) => {
        puts.push({ upload, answer: (status) => resolve({ status }), fail: () => reject(new Error('connection reset')) });
        upload.signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
    },
    { transport: wire.factory, timers: clock.timers },
  );
  clients.push(chat);
  await flushAsync();
  wire.accept();
  wire.push(welcome);
  const sync = wire.frames('sync').at(-1) as SyncFrame;
  wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary()], removed: [], events: [], hasMore: false });
  await flushAsync();
  return { wire, clock, chat, puts, storage };
}

type Wire = ReturnType<typeof createFakeWire>;

/** Answers the latest `upload` frame with a slot whose URL is a path of the chat server. */
function grant(wire: Wire, id = 'at_1', uploaded = false): UploadFrame {
  const frame = wire.frames('upload').at(-1)!;
  wire.push({
    type: 'upload.result', reqId: frame.reqId, attachment: { id, ...frame.file },
    upload: { url: `/blobs/a/${id}?sig=x`, method: 'PUT', headers: { 'Content-Type': frame.file.mimeType }, expiresAt: Date.now() + 60_000, uploaded },
  });
  return frame;
}

const file = { data: new Uint8Array(1000).fill(7), name: 'notes.txt' };

describe('files over a fake wire', () => {
  it('asks a slot, PUTs the bytes to its URL with its headers, shows the progress, then sends the message naming the upload', async () => {
    const { wire, chat, puts, storage } = await setup();
    expect(chat.getSnapshot().limits).toMatchObject({ maxAttachmentBytes: 1_000_000 });
    const sent = await chat.send('c1', { text: 'notes', attachments: [file] });
    await flushAsync();
    expect(wire.frames('upload')).toEqual([{ type: 'upload', reqId: expect.any(String), conversationId: 'c1', file: { name: 'notes.txt', size: 1000, mimeType: 'text/plain' } }]);
    expect(wire.frames('send')).toEqual([]);
    grant(wire);
    await flushAsync();
    // The slot's id is written before the PUT: a reload renews that slot.
    expect((await storage.outbox.list())[0]?.attachments).toEqual([expect.objectContaining({ id: 'at_1' })]);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.upload).toMatchObject({ url: 'http://parley.test/blobs/a/at_1?sig=x', method: 'PUT', headers: { 'Content-Type': 'text/plain' } });
    expect(puts[0]!.upload.body.type).toBe('text/plain');
    expect(await puts[0]!.upload.body.arrayBuffer()).toEqual(file.data.buffer);

    puts[0]!.upload.onProgress(400);
    expect(chat.getMessages('c1')[0]!.attachments).toEqual([
      { id: 'at_1', localId: expect.any(String), name: 'notes.txt', size: 1000, mimeType: 'text/plain', progress: { loaded: 400, total: 1000 } },
    ]);
    puts[0]!.answer(200);
    await flushAsync();
    expect(wire.frames('send')).toEqual([{ type: 'send', conversationId: 'c1', clientMsgId: sent.clientMsgId, data: { text: 'notes', attachments: ['at_1'] } }]);
    expect(chat.getMessages('c1')[0]!.attachments?.[0]?.progress).toEqual({ loaded: 1000, total: 1000 });

    wire.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.clientMsgId!, eventId: 'e1', seq: 1, ts: 5, duplicate: false });
    await flushAsync();
    expect(chat.getMessages('c1')[0]).toMatchObject({ status: 'sent', seq: 1, attachments: [{ id: 'at_1', name: 'notes.txt', size: 1000, mimeType: 'text/plain' }] });
    expect(await chat.getLocalFile(sent.attachments![0]!.localId!)).toBeUndefined();
  });

  it('backs off a refused slot that may pass later, asks a new slot when the server forgot the old one, and renews a URL the storage refused', async () => {
    const { wire, clock, chat, puts } = await setup();
    await chat.send('c1', { attachments: [file] });
    await flushAsync();
    const first = wire.frames('upload')[0]!;
    wire.push({ type: 'error', reqId: first.reqId, code: ErrorCode.RATE_LIMITED, message: 'slow down', retryable: true });
    await flushAsync();
    expect(wire.frames('upload')).toHaveLength(1);
    clock.advance(1_000);
    await flushAsync();
    expect(wire.frames('upload')).toHaveLength(2);
    grant(wire, 'at_1');
    await flushAsync();
    // The storage refuses the URL (expired): the same slot is renewed, and the new URL used.
    puts[0]!.answer(403);
    await flushAsync();
    expect(wire.frames('upload').at(-1)).toMatchObject({ attachmentId: 'at_1' });
    // The server no longer knows that slot: a new one, without the id.
    wire.push({ type: 'error', reqId: wire.frames('upload').at(-1)!.reqId, code: ErrorCode.NOT_FOUND, message: 'upload not found', retryable: false });
    await flushAsync();
    expect(wire.frames('upload').at(-1)?.attachmentId).toBeUndefined();
    grant(wire, 'at_2');
    await flushAsync();
    puts[1]!.answer(200);
    await flushAsync();
    expect(wire.frames('send').at(-1)?.data.attachments).toEqual(['at_2']);
    expect(chat.getMessages('c1')[0]!.status).toBe('pending');
  });

  it('stops a PUT that moves nothing and gets no answer (a dead connection that did not say so), and uploads again', async () => {
    const { wire, clock, chat, puts } = await setup();
    await chat.send('c1', { attachments: [file] });
    await flushAsync();
    grant(wire);
    await flushAsync();
    expect(puts).toHaveLength(1);
    // Progress keeps it alive…
    puts[0]!.upload.onProgress(100);
    clock.advance(14_000);
    await flushAsync();
    expect(puts[0]!.upload.signal.aborted).toBe(false);
    // …silence for three ack timeouts stops it, and after the backoff the file goes again.
    clock.advance(15_001);
    await flushAsync();
    expect(puts[0]!.upload.signal.aborted).toBe(true);
    expect(wire.frames('send')).toEqual([]);
    // (The fake wire's idle connection dropped meanwhile: bring it back, as a real one would.)
    let accepted = wire.opens;
    for (let i = 0; i < 20 && puts.length < 2; i++) {
      clock.advance(1_000);
      await flushAsync();
      if (chat.getSnapshot().connection.status !== 'online' && wire.opens > accepted) {
        accepted = wire.opens;
        wire.accept();
        wire.push(welcome);
        const sync = wire.frames('sync').at(-1) as SyncFrame;
        wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary()], removed: [], events: [], hasMore: false });
        await flushAsync();
      }
      if (wire.frames('upload').length > 1 && puts.length < 2) grant(wire);
      await flushAsync();
    }
    expect({ uploads: wire.frames('upload').length, puts: puts.length }).toEqual({ uploads: 2, puts: 2 });
    expect(wire.frames('upload')[1]).toMatchObject({ attachmentId: 'at_1' });
    puts[1]!.answer(200);
    await flushAsync();
    expect(wire.frames('send')).toHaveLength(1);
  });

  it('fails the message visibly on a definitive refusal; retry() asks again', async () => {
    const { wire, chat } = await setup();
    const sent = await chat.send('c1', { text: 'a video', attachments: [{ data: new Uint8Array(10), name: 'clip.mkv', type: 'video/x-matroska' }] });
    await flushAsync();
    wire.push({ type: 'error', reqId: wire.frames('upload')[0]!.reqId, code: ErrorCode.UNSUPPORTED_TYPE, message: 'files of type video/x-matroska are not accepted here', retryable: false });
    await flushAsync();
    expect(chat.getMessages('c1')[0]).toMatchObject({ status: 'failed', error: { code: ErrorCode.UNSUPPORTED_TYPE }, attachments: [{ name: 'clip.mkv' }] });
    await chat.retry(sent.clientMsgId!);
    await flushAsync();
    expect(wire.frames('upload')).toHaveLength(2);
    expect(chat.getMessages('c1')[0]!.status).toBe('pending');
  });

  it('uses a slot the server already holds complete (a renewed upload that had finished) without a PUT', async () => {
    const { wire, chat, puts } = await setup();
    await chat.send('c1', { attachments: [file] });
    await flushAsync();
    grant(wire, 'at_9', true);
    await flushAsync();
    expect(puts).toEqual([]);
    expect(wire.frames('send').at(-1)?.data.attachments).toEqual(['at_9']);
  });

  it('batches download URLs asked in one tick into one request per conversation, resolves them against the server, reuses them, and rejects ids left out', async () => {
    const { wire, chat } = await setup();
    const a = chat.getAttachmentUrl('c1', 'at_a');
    const b = chat.getAttachmentUrl('c1', 'at_b');
    const again = chat.getAttachmentUrl('c1', 'at_a');
    const other = chat.getAttachmentUrl('c2', 'at_c');
    await flushAsync();
    const frames = wire.frames('attachments.urls');
    expect(frames.map((f) => [f.conversationId, f.attachmentIds])).toEqual([['c1', ['at_a', 'at_b']], ['c2', ['at_c']]]);
    const answer = (frame: AttachmentUrlsFrame, ids: string[]) =>
      wire.push({ type: 'attachments.urls.result', reqId: frame.reqId, urls: ids.map((id) => ({ attachmentId: id, url: `/blobs/a/${id}?sig=1`, expiresAt: Date.now() + 900_000 })) });
    answer(frames[0]!, ['at_a']);
    answer(frames[1]!, ['at_c']);
    expect(await a).toBe('http://parley.test/blobs/a/at_a?sig=1');
    expect(await again).toBe('http://parley.test/blobs/a/at_a?sig=1');
    await expect(b).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    expect(await other).toBe('http://parley.test/blobs/a/at_c?sig=1');
    expect(await chat.getAttachmentUrl('c1', 'at_a')).toBe('http://parley.test/blobs/a/at_a?sig=1');
    expect(wire.frames('attachments.urls')).toHaveLength(2);

    // More ids than one request may carry: split at the server's cap.
    const many = Array.from({ length: 60 }, (_, i) => chat.getAttachmentUrl('c1', `at_${i}`));
    await flushAsync();
    expect(wire.frames('attachments.urls').slice(2).map((f) => f.attachmentIds.length)).toEqual([50, 10]);
    for (const frame of wire.frames('attachments.urls').slice(2)) answer(frame, frame.attachmentIds);
    expect(await Promise.all(many)).toHaveLength(60);
    await expect(chat.getAttachmentUrl('c1', 'bad id!')).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
  });
});
