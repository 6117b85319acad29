import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION, type SyncFrame } from '@parley/protocol';
import { createChatClientWith } from './chat-client.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createFakeWire, createManualTimers, flushAsync } from '../../test/support/fake-wire.js';
import { summary } from '../../test/support/fixtures.js';
import type { FileUpload } from '../files/put-file.js';
import type { ClientStorage } from '../storage/client-storage.js';
import type { ChatClient } from '../types.js';

// The upload loop works on one file at a time: any step that never ends would hold every upload
// of the client for good (kicks only ask the running loop to go on). These tests give it steps
// that never end by themselves and check that the files still go, and their messages with them.

const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: { maxAttachmentBytes: 1_000_000 } } as const;
/** Three ack timeouts (3 × 1 s) are under the 5 s floor: a PUT silent for 5 s is given up. */
const STALL_MS = 5_000;
const file = { data: new Uint8Array(1000).fill(7), name: 'notes.txt' };

const clients: ChatClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  vi.unstubAllGlobals();
});

interface Put {
  upload: FileUpload;
  answer(status: number): void;
}

/**
 * A client over a fake wire, online with conversation c1. Its uploader answers only when the test
 * says so and pays no attention to its abort signal, like an app's uploader that forgot it (or a
 * runtime whose request cannot be stopped).
 */
async function setup(storage: ClientStorage = createMemoryStorage()) {
  const wire = createFakeWire();
  const clock = createManualTimers();
  const puts: Put[] = [];
  const chat = createChatClientWith(
    {
      url: 'http://parley.test', getToken: async () => 'tok', deviceId: 'd1', storage, ackTimeoutMs: 1_000, requestTimeoutMs: 60_000,
      reconnect: { baseMs: 1_000, maxMs: 8_000 },
      uploadFile: (upload) => new Promise((resolve) => puts.push({ upload, answer: (status) => resolve({ status }) })),
    },
    { transport: wire.factory, timers: clock.timers },
  );
  clients.push(chat);
  await flushAsync();
  await welcomeBack(wire);
  return { wire, clock, chat, puts };
}

async function welcomeBack(wire: ReturnType<typeof createFakeWire>) {
  wire.accept();
  wire.push(welcome);
  const sync = wire.frames('sync').at(-1) as SyncFrame;
  wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary()], removed: [], events: [], hasMore: false });
  await flushAsync();
}

/** Answers the latest `upload` frame with slot `id`. */
function grant(wire: ReturnType<typeof createFakeWire>, id = 'at_1') {
  const frame = wire.frames('upload').at(-1)!;
  wire.push({
    type: 'upload.result', reqId: frame.reqId, attachment: { id, ...frame.file },
    upload: { url: `/blobs/a/${id}?sig=x`, method: 'PUT', headers: { 'Content-Type': frame.file.mimeType }, expiresAt: Date.now() + 60_000, uploaded: false },
  });
}

/** Advances the clock a second at a time until `done` holds (at most `ms`). */
async function advanceUntil(clock: ReturnType<typeof createManualTimers>, ms: number, done: () => boolean) {
  for (let waited = 0; waited < ms && !done(); waited += 1_000) {
    clock.advance(1_000);
    await flushAsync();
  }
}

describe('the upload loop cannot be held by a step that never ends', () => {
  it('gives up a PUT whose uploader ignores the stop after the stall time, and uploads the file again', async () => {
    const { wire, clock, chat, puts } = await setup();
    const sent = await chat.send('c1', { text: 'notes', attachments: [file] });
    await flushAsync();
    grant(wire);
    await flushAsync();
    expect(puts).toHaveLength(1);

    clock.advance(STALL_MS + 1);
    await flushAsync();
    expect(puts[0]!.upload.signal.aborted).toBe(true);
    // The first PUT never answers; after the backoff the same slot is renewed and the bytes go again.
    await advanceUntil(clock, 10_000, () => wire.frames('upload').length > 1);
    expect(wire.frames('upload')).toHaveLength(2);
    expect(wire.frames('upload')[1]).toMatchObject({ attachmentId: 'at_1' });
    grant(wire);
    await flushAsync();
    expect(puts).toHaveLength(2);
    puts[1]!.answer(200);
    await flushAsync();
    expect(wire.frames('send')).toEqual([expect.objectContaining({ clientMsgId: sent.clientMsgId, data: { text: 'notes', attachments: ['at_1'] } })]);

    // The abandoned PUT answering late changes nothing.
    puts[0]!.answer(200);
    await flushAsync();
    expect({ uploads: wire.frames('upload').length, puts: puts.length, sends: wire.frames('send').length }).toEqual({ uploads: 2, puts: 2, sends: 1 });
  });

  it('starts the upload over once the network is back after it went away during a PUT whose uploader ignores the stop', async () => {
    // A runtime that reports the network (a browser): going offline stops the PUT under way.
    const network = new EventTarget();
    vi.stubGlobal('addEventListener', network.addEventListener.bind(network));
    vi.stubGlobal('removeEventListener', network.removeEventListener.bind(network));
    const { wire, chat, puts } = await setup();
    const sent = await chat.send('c1', { text: 'notes', attachments: [file] });
    await flushAsync();
    grant(wire);
    await flushAsync();
    expect(puts).toHaveLength(1);

    network.dispatchEvent(new Event('offline'));
    await flushAsync();
    expect(puts[0]!.upload.signal.aborted).toBe(true);
    network.dispatchEvent(new Event('online'));
    await welcomeBack(wire);
    expect(chat.getSnapshot().connection.status).toBe('online');
    expect(wire.frames('upload')).toHaveLength(2);
    expect(wire.frames('upload')[1]).toMatchObject({ attachmentId: 'at_1' });
    grant(wire);
    await flushAsync();
    expect(puts).toHaveLength(2);
    puts[1]!.answer(200);
    await flushAsync();
    expect(wire.frames('send')).toEqual([expect.objectContaining({ clientMsgId: sent.clientMsgId, data: { text: 'notes', attachments: ['at_1'] } })]);
  });

  it('uploads again after close() and connect() stopped a PUT whose uploader ignores the stop', async () => {
    const { wire, chat, puts } = await setup();
    const sent = await chat.send('c1', { text: 'notes', attachments: [file] });
    await flushAsync();
    grant(wire);
    await flushAsync();
    expect(puts).toHaveLength(1);

    await chat.close();
    expect(puts[0]!.upload.signal.aborted).toBe(true);
    chat.connect();
    await flushAsync();
    await welcomeBack(wire);
    expect(wire.frames('upload')).toHaveLength(2);
    grant(wire);
    await flushAsync();
    expect(puts).toHaveLength(2);
    puts[1]!.answer(200);
    await flushAsync();
    expect(wire.frames('send')).toEqual([expect.objectContaining({ clientMsgId: sent.clientMsgId, data: { text: 'notes', attachments: ['at_1'] } })]);
  });

  it('gives up a read of the bytes or an outbox write that never answers, and goes on', async () => {
    const storage = createMemoryStorage();
    const files = storage.files!;
    let hangReads = 1;
    let hangWrites = 0;
    const hanging = new Promise<never>(() => undefined);
    const { wire, clock, chat, puts } = await setup({
      ...storage,
      files: { ...files, get: (localId) => (hangReads-- > 0 ? hanging : files.get(localId)) },
      outbox: { ...storage.outbox, put: (entry) => (entry.attachments?.some((f) => f.id) && hangWrites-- > 0 ? hanging : storage.outbox.put(entry)) },
    });
    const sent = await chat.send('c1', { text: 'notes', attachments: [file] });
    await flushAsync();
    // The bytes never come: after the stall time the read is given up and tried again later.
    expect(wire.frames('upload')).toEqual([]);
    await advanceUntil(clock, 3 * STALL_MS, () => wire.frames('upload').length > 0);
    expect(wire.frames('upload')).toHaveLength(1);

    // The slot's id is never written: the PUT goes anyway once the write is given up.
    hangWrites = 1;
    grant(wire);
    await flushAsync();
    expect(puts).toEqual([]);
    await advanceUntil(clock, 3 * STALL_MS, () => puts.length > 0);
    expect(puts).toHaveLength(1);
    puts[0]!.answer(200);
    await flushAsync();
    expect(wire.frames('send')).toEqual([expect.objectContaining({ clientMsgId: sent.clientMsgId, data: { text: 'notes', attachments: ['at_1'] } })]);
  });
});
