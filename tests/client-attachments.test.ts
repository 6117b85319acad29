import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode,
  ParleyError,
  createChatClient,
  createMemoryStorage,
  type ChatClient,
  type ChatEvents,
  type ClientStorage,
  type FileUploader,
  type MessageView,
} from '@parley/client-sdk';
import { createFileStorage, fileFromPath } from '@parley/client-sdk/node';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';
import type { TestServer } from './helpers/test-server.js';

// Files through the client SDK, end to end: a Node client sends a message with a file (kept in
// its outbox, uploaded to the disk blob store through the signed URL, then sent naming the
// upload), members receive it and download the same bytes; uploads resume across a restart of
// the client, start over after the server found one incomplete, and can be cancelled.

const scope = testScope();
const root = mkdtempSync(join(tmpdir(), 'parley-client-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** A client of `userId` with options of its own (storage, uploader), closed after the test. */
function client(s: TestServer, userId: string, options: { storage?: ClientStorage; uploadFile?: FileUploader; deviceId?: string } = {}): ChatClient {
  const chat = createChatClient({
    url: s.url,
    getToken: () => s.token(userId),
    storage: options.storage ?? createMemoryStorage(),
    deviceId: options.deviceId ?? `${userId}-${Math.random().toString(36).slice(2, 8)}`,
    reconnect: { baseMs: 50, maxMs: 300 },
    ackTimeoutMs: 2000,
    ...(options.uploadFile ? { uploadFile: options.uploadFile } : {}),
  });
  return scope.adopt(chat);
}

async function group(s: TestServer, members: string[] = ['bob']) {
  const alice = client(s, 'alice');
  await waitFor(alice, online);
  const { id } = await alice.createGroup({ title: 'files', members });
  return { alice, id };
}

const last = (chat: ChatClient, id: string): MessageView | undefined => chat.getMessages(id).at(-1);
const filesOf = (chat: ChatClient, id: string) => chat.getMessages(id).filter((m) => (m.attachments?.length ?? 0) > 0);

async function download(url: string): Promise<{ status: number; bytes: Buffer; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  const err = await promise.then(() => new Error('resolved'), (e: unknown) => e);
  expect(err).toBeInstanceOf(ParleyError);
  return err as ParleyError;
}

/** Polls an async condition (storage, not the snapshot) until it holds, with a generous deadline. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The default PUT, done by hand: what an app's own `uploadFile` does. */
const plainPut: FileUploader = async ({ url, method, headers, body, signal, onProgress }) => {
  const res = await fetch(url, { method, headers, body, signal });
  await res.arrayBuffer();
  if (res.ok) onProgress(body.size);
  return { status: res.status };
};

describe('files in messages through the client SDK', () => {
  it('sends text with files from a Node client; the other member gets the message and downloads the same bytes; progress reaches the size', async () => {
    const s = await scope.server({ files: true });
    const bob = client(s, 'bob');
    const { alice, id } = await group(s);
    const photo = randomBytes(3 * 1024 * 1024 + 17);
    const path = join(root, 'report.pdf');
    writeFileSync(path, randomBytes(40_000));
    const pdf = await fileFromPath(path);
    expect(pdf).toMatchObject({ name: 'report.pdf', type: 'application/pdf' });

    const progress: number[] = [];
    alice.subscribe(() => {
      const p = last(alice, id)?.attachments?.[0]?.progress;
      if (p && p.loaded !== progress.at(-1)) progress.push(p.loaded);
    });
    const sent = await alice.send(id, { text: 'the photo and the report', attachments: [{ data: photo, name: 'photo.jpg', type: 'image/JPEG; q=1', width: 4000, height: 3000 }, pdf] });
    expect(sent).toMatchObject({ status: 'pending', text: 'the photo and the report' });
    expect(sent.attachments).toMatchObject([
      { name: 'photo.jpg', size: photo.length, mimeType: 'image/jpeg', width: 4000, height: 3000, localId: expect.any(String), progress: { total: photo.length } },
      { name: 'report.pdf', size: 40_000, mimeType: 'application/pdf', localId: expect.any(String) },
    ]);
    // The bytes are on this device until the message is stored: a pending image can show from them.
    const local = await alice.getLocalFile(sent.attachments![0]!.localId!);
    expect(Buffer.from(await local!.arrayBuffer()).equals(photo)).toBe(true);

    await waitFor(alice, (c) => last(c, id)?.status === 'sent', 20_000, 'the message to be stored');
    expect(progress.at(-1)).toBe(photo.length);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every((loaded, i) => i === 0 || loaded >= progress[i - 1]!)).toBe(true);
    const stored = last(alice, id)!;
    expect(stored.attachments).toEqual([
      { id: expect.stringMatching(/^at_/), name: 'photo.jpg', size: photo.length, mimeType: 'image/jpeg', width: 4000, height: 3000 },
      { id: expect.stringMatching(/^at_/), name: 'report.pdf', size: 40_000, mimeType: 'application/pdf' },
    ]);
    // Stored: the bytes kept for the upload leave this device.
    await eventually(async () => (await alice.getLocalFile(sent.attachments![0]!.localId!)) === undefined, 'the bytes to be deleted');

    await waitFor(bob, (c) => filesOf(c, id).length === 1, 10_000, 'bob to get the message');
    const got = filesOf(bob, id)[0]!;
    expect(got).toMatchObject({ text: 'the photo and the report', senderId: 'alice', attachments: stored.attachments });
    // Both URLs asked in one tick: one request; absolute URLs of the server's blob store.
    const [photoUrl, pdfUrl] = await Promise.all(got.attachments!.map((a) => bob.getAttachmentUrl(id, a.id!)));
    expect(photoUrl!.startsWith(`${s.url}/blobs/`)).toBe(true);
    const [photoBack, pdfBack] = await Promise.all([download(photoUrl!), download(pdfUrl!)]);
    expect([photoBack.status, photoBack.type, photoBack.bytes.equals(photo)]).toEqual([200, 'image/jpeg', true]);
    expect(pdfBack.bytes.length).toBe(40_000);
    // Asked again: the URL is reused while it is fresh.
    expect(await bob.getAttachmentUrl(id, got.attachments![0]!.id!)).toBe(photoUrl);
  });

  it("refuses a download URL to a non-member (NOT_FOUND), and to a member for an id that is not the conversation's", async () => {
    const s = await scope.server({ files: true });
    const { alice, id } = await group(s);
    await alice.send(id, { attachments: [{ data: new Uint8Array([1, 2, 3]), name: 'a.bin' }] });
    await waitFor(alice, (c) => last(c, id)?.status === 'sent', 10_000, 'stored');
    const attachmentId = last(alice, id)!.attachments![0]!.id!;
    expect(last(alice, id)!.attachments![0]!.mimeType).toBe('application/octet-stream');

    const carol = client(s, 'carol');
    await waitFor(carol, online);
    expect((await rejection(carol.getAttachmentUrl(id, attachmentId))).code).toBe(ErrorCode.NOT_FOUND);
    const other = await alice.createGroup({ members: ['carol'] });
    expect((await rejection(alice.getAttachmentUrl(other.id, attachmentId))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await rejection(alice.getAttachmentUrl(id, 'at_nothing'))).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('cancels a message whose file is uploading: the PUT stops, the bytes leave the device, the server stores nothing', async () => {
    const s = await scope.server({ files: true });
    const bob = client(s, 'bob');
    const { alice, id } = await group(s);
    let discarding: Promise<void> | undefined;
    let loadedAtDiscard = -1;
    let slotId: string | undefined;
    alice.subscribe(() => {
      const m = last(alice, id);
      const file = m?.attachments?.[0];
      // A quarter is on its way (the blob store is receiving it): the user presses cancel.
      if (!discarding && m?.clientMsgId && file?.progress && file.progress.loaded >= file.size / 4) {
        loadedAtDiscard = file.progress.loaded;
        slotId = file.id;
        discarding = alice.discard(m.clientMsgId);
      }
    });
    // How each PUT the blob store received ended: answered, or cut off by the client.
    const puts: Promise<number | 'cut'>[] = [];
    s.http.prependListener('request', (req, res) => {
      if (req.method !== 'PUT' || !req.url?.startsWith('/blobs/')) return;
      puts.push(new Promise((resolve) => res.once('close', () => resolve(res.writableFinished ? res.statusCode : 'cut'))));
    });
    const big = randomBytes(16 * 1024 * 1024);
    const sent = await alice.send(id, { text: 'never mind', attachments: [{ data: big, name: 'big.bin' }] });
    await waitFor(alice, () => discarding !== undefined, 20_000, 'the upload to start');
    await discarding;
    expect(loadedAtDiscard).toBeLessThan(big.length);
    expect(alice.getMessages(id)).toEqual([]);
    // The PUT stopped midway: the blob store holds no object for the slot.
    await eventually(async () => puts.length === 1, 'the PUT to reach the blob store');
    expect(await Promise.all(puts)).toEqual(['cut']);
    expect(slotId).toMatch(/^at_/);
    expect(await s.blobs!.stat(`a/${slotId}`)).toBeNull();
    expect(await alice.getLocalFile(sent.attachments![0]!.localId!)).toBeUndefined();

    await alice.send(id, 'after the cancelled one');
    await waitFor(bob, (c) => c.getMessages(id).length === 1, 10_000, 'the next message');
    expect(bob.getMessages(id).map((m) => [m.text, m.attachments])).toEqual([['after the cancelled one', undefined]]);
    await waitFor(alice, (c) => last(c, id)?.status === 'sent', 10_000, 'stored');
    expect(alice.getMessages(id).map((m) => m.text)).toEqual(['after the cancelled one']);
  });

  it('refuses files that are too big or of the wrong type: before queueing when the client knows the limit, as a failed message when only the server does', async () => {
    const s = await scope.server({ files: { maxBytes: 1000, types: ['image/*', 'text/plain'] } });
    const { alice, id } = await group(s);
    const tooBig = await rejection(alice.send(id, { text: 'big', attachments: [{ data: new Uint8Array(1001), name: 'big.png' }] }));
    expect([tooBig.code, tooBig.message]).toEqual([ErrorCode.BAD_FRAME, '"big.png" is 1001 bytes: files can be at most 1000 bytes here']);
    const empty = await rejection(alice.send(id, { attachments: [new Blob([], { type: 'text/plain' })] }));
    expect(empty.message).toBe('"file" is empty');
    const badName = await rejection(alice.send(id, { attachments: [{ data: new Uint8Array(1), name: '../etc/passwd' }] }));
    expect(badName.message).toBe('"../etc/passwd" isn\'t a valid file name (no slashes or control characters)');
    const badType = await rejection(alice.send(id, { attachments: [{ data: new Uint8Array(1), name: 'x', type: 'not a type' }] }));
    expect(badType.message).toBe('"not a type" isn\'t a valid file type (such as image/png)');
    const tooMany = await rejection(alice.send(id, { attachments: Array.from({ length: 11 }, (_, i) => ({ data: new Uint8Array(1), name: `f${i}.txt` })) }));
    expect(tooMany.message).toBe('A message can carry at most 10 files (this one has 11)');
    const notImage = await rejection(alice.send(id, { attachments: [{ data: new Uint8Array(1), name: 'a.txt', width: 10 }] }));
    expect(notImage.message).toMatch(/^Width, height and a preview are for images/);
    expect(alice.getMessages(id)).toEqual([]);

    // The type list is the server's own: the upload is refused, and the message fails visibly.
    const errors: ChatEvents['error'][] = [];
    alice.on('error', (e) => errors.push(e));
    const pdf = await alice.send(id, { text: 'the contract', attachments: [{ data: new Uint8Array(10), name: 'contract.pdf' }] });
    await waitFor(alice, (c) => last(c, id)?.status === 'failed', 10_000, 'the refusal');
    expect(last(alice, id)).toMatchObject({ key: pdf.key, status: 'failed', error: { code: ErrorCode.UNSUPPORTED_TYPE } });
    expect(errors).toMatchObject([{ clientMsgId: pdf.clientMsgId, error: { code: ErrorCode.UNSUPPORTED_TYPE } }]);
    await alice.discard(pdf.clientMsgId!);
    expect(alice.getMessages(id)).toEqual([]);

    // A client that queued before it heard the server's limit: the server refuses the slot.
    const offline = createChatClient({ url: s.url, getToken: () => s.token('alice'), autoConnect: false, reconnect: { baseMs: 50, maxMs: 300 } });
    scope.adopt(offline);
    const queued = await offline.send(id, { attachments: [{ data: new Uint8Array(5000), name: 'large.png' }] });
    offline.connect();
    await waitFor(offline, (c) => c.getMessages(id).find((m) => m.key === queued.key)?.status === 'failed', 10_000, 'the refusal');
    expect(offline.getMessages(id).find((m) => m.key === queued.key)?.error?.code).toBe(ErrorCode.LIMIT_EXCEEDED);
  });

  it('says at once when the server takes no files', async () => {
    const s = await scope.server();
    const { alice, id } = await group(s);
    // What an app reads to hide its attach button.
    expect(alice.getSnapshot().limits.maxAttachmentBytes).toBe(0);
    const refused = await rejection(alice.send(id, { text: 'hi', attachments: [new Blob(['x'], { type: 'text/plain' })] }));
    expect([refused.code, refused.message]).toEqual([ErrorCode.BAD_FRAME, 'This server takes no files']);
    expect(alice.getSnapshot().messages[id] ?? []).toEqual([]);
  });

  it('resumes an upload cut by a restart of the client (file storage reopened): the same upload slot, the message stored once', async () => {
    const s = await scope.server({ files: true });
    const bob = client(s, 'bob');
    const { alice: creator, id } = await group(s);
    await creator.close();
    const dir = join(root, `restart-${(dirs += 1)}`);
    const storage = createFileStorage({ dir });
    const first = client(s, 'alice', { storage, deviceId: 'alice-bot' });
    await waitFor(first, online);
    const bytes = randomBytes(12 * 1024 * 1024);
    let slotId: string | undefined;
    let closing: Promise<void> | undefined;
    first.subscribe(() => {
      const file = last(first, id)?.attachments?.[0];
      // The slot is written to storage before the PUT starts; the process stops mid-PUT.
      if (!closing && file?.id && (file.progress?.loaded ?? 0) > 0) {
        slotId = file.id;
        closing = first.close();
      }
    });
    const sent = await first.send(id, { text: 'nightly dump', attachments: [{ data: bytes, name: 'dump.bin' }] });
    await waitFor(first, () => closing !== undefined, 20_000, 'the upload to start');
    await closing;
    await storage.close();

    const again = createFileStorage({ dir });
    const second = client(s, 'alice', { storage: again, deviceId: 'alice-bot' });
    await waitFor(second, (c) => last(c, id)?.status === 'sent', 30_000, 'the resumed upload and the send');
    expect(last(second, id)).toMatchObject({ key: sent.key, attachments: [{ id: slotId, name: 'dump.bin', size: bytes.length }] });
    await waitFor(bob, (c) => filesOf(c, id).length === 1, 10_000, 'bob to get it');
    const got = filesOf(bob, id);
    expect(got.map((m) => m.clientMsgId)).toEqual([sent.clientMsgId]);
    const back = await download(await bob.getAttachmentUrl(id, slotId!));
    expect(back.bytes.equals(bytes)).toBe(true);
    await second.close();
    await again.close();
  });

  it('uploads again when the server finds the upload gone at send time (UPLOAD_INCOMPLETE), then stores the message once', async () => {
    const s = await scope.server({ files: true });
    const bob = client(s, 'bob');
    const puts: string[] = [];
    // The app's own uploader; the first time, the stored object disappears right after the PUT.
    const uploadFile: FileUploader = async (upload) => {
      const answer = await plainPut(upload);
      const key = decodeURIComponent(new URL(upload.url).pathname.slice('/blobs/'.length));
      puts.push(key);
      if (puts.length === 1) await s.blobs!.delete(key);
      return answer;
    };
    const alice = client(s, 'alice', { uploadFile });
    await waitFor(alice, online);
    const { id } = await alice.createGroup({ members: ['bob'] });
    const bytes = randomBytes(50_000);
    const sent = await alice.send(id, { text: 'try again', attachments: [{ data: bytes, name: 'photo.png' }] });
    await waitFor(alice, (c) => last(c, id)?.status === 'sent', 15_000, 'the message after the second upload');
    expect(puts).toHaveLength(2);
    expect(puts[1]).toBe(puts[0]);
    await waitFor(bob, (c) => filesOf(c, id).length === 1, 10_000, 'bob to get it');
    expect(bob.getMessages(id).map((m) => m.clientMsgId)).toEqual([sent.clientMsgId]);
    const back = await download(await bob.getAttachmentUrl(id, filesOf(bob, id)[0]!.attachments![0]!.id!));
    expect(back.bytes.equals(bytes)).toBe(true);
  });

  it('holds the later messages of the conversation until the file is uploaded, and sends them in order', async () => {
    const s = await scope.server({ files: true });
    const bob = client(s, 'bob');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const alice = client(s, 'alice', { uploadFile: async (upload) => {
      await gate;
      return plainPut(upload);
    } });
    await waitFor(alice, online);
    const { id } = await alice.createGroup({ members: ['bob'] });
    await alice.send(id, { text: 'first, with a file', attachments: [{ data: new Uint8Array(100), name: 'a.txt' }] });
    await alice.send(id, 'second');
    const other = await alice.createGroup({ members: ['bob'] });
    await alice.send(other.id, 'elsewhere');
    await waitFor(bob, (c) => c.getMessages(other.id).length === 1, 10_000, 'the other conversation to go on');
    expect(bob.getMessages(id)).toEqual([]);
    expect(alice.getMessages(id).map((m) => m.status)).toEqual(['pending', 'pending']);
    release();
    await waitFor(bob, (c) => c.getMessages(id).length === 2, 10_000, 'both, once uploaded');
    expect(bob.getMessages(id).map((m) => [m.text, m.attachments?.length ?? 0])).toEqual([['first, with a file', 1], ['second', 0]]);
  });
});
