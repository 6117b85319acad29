import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import {
  ErrorCode,
  type AckFrame,
  type Attachment,
  type AttachmentSpec,
  type AttachmentUrlsResultFrame,
  type ErrorFrame,
  type EventFrame,
  type HistoryResultFrame,
  type MessageEvent,
  type NackFrame,
  type UploadResultFrame,
} from '@parley/protocol';
import { createGroup, sendText, until } from './helpers/fixtures.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import { testScope } from './helpers/scope.js';
import type { TestServer } from './helpers/test-server.js';

// Files in messages, end to end over real sockets and real HTTP: a member asks for a slot, PUTs
// the bytes to the disk blob store's signed URL, sends a message naming the upload; the server
// checks the object before the message holds it, members (only) get download URLs, a delete
// takes the files with it, and uploads no message holds are swept.

const scope = testScope();
const PNG = Buffer.from('89504e470d0a1a0a' + '00'.repeat(120), 'hex');

const spec = (over: Partial<AttachmentSpec> = {}): AttachmentSpec => ({ name: 'photo.png', size: PNG.length, mimeType: 'image/png', width: 640, height: 480, ...over });

async function slot(w: WireClient, conversationId: string, file: AttachmentSpec, attachmentId?: string): Promise<UploadResultFrame | ErrorFrame> {
  return w.request<UploadResultFrame | ErrorFrame>({ type: 'upload', reqId: nextId('up-'), conversationId, file, ...(attachmentId ? { attachmentId } : {}) });
}

async function slotOk(w: WireClient, conversationId: string, file: AttachmentSpec, attachmentId?: string): Promise<UploadResultFrame> {
  const answer = await slot(w, conversationId, file, attachmentId);
  if (answer.type !== 'upload.result') throw new Error(`upload refused: ${JSON.stringify(answer)}`);
  return answer;
}

const specOf = ({ id: _id, ...file }: Attachment): AttachmentSpec => file;
const headerNamed = (headers: Readonly<Record<string, string>>, name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

const absolute = (s: TestServer, url: string) => new URL(url, s.url).toString();

async function put(s: TestServer, answer: UploadResultFrame, body: Buffer): Promise<number> {
  const res = await fetch(absolute(s, answer.upload.url), { method: 'PUT', headers: answer.upload.headers, body: new Uint8Array(body) });
  await res.arrayBuffer();
  return res.status;
}

/** Slot, PUT, send; resolves with the ACK (or the NACK). */
async function sendFile(s: TestServer, w: WireClient, conversationId: string, body = PNG, file = spec({ size: body.length })): Promise<{ ack: AckFrame | NackFrame; attachmentId: string; clientMsgId: string }> {
  const answer = await slotOk(w, conversationId, file);
  expect(await put(s, answer, body)).toBe(200);
  const clientMsgId = nextId('m-');
  w.send({ type: 'send', conversationId, clientMsgId, data: { text: 'look', attachments: [answer.attachment.id] } });
  const ack = (await w.waitFor((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId)) as AckFrame | NackFrame;
  return { ack, attachmentId: answer.attachment.id, clientMsgId };
}

async function urls(w: WireClient, conversationId: string, attachmentIds: string[]) {
  return w.request<AttachmentUrlsResultFrame | ErrorFrame>({ type: 'attachments.urls', reqId: nextId('au-'), conversationId, attachmentIds });
}

const messageWith = (w: WireClient, attachmentId: string) =>
  w.waitFor((f): f is EventFrame => f.type === 'event' && f.event.kind === 'message' && (f.event.data.attachments ?? []).some((a) => a.id === attachmentId));

describe('attachments', () => {
  it('stores a message with a file once it is uploaded; members get it live and download the same bytes, with safe headers', async () => {
    const s = await scope.server({ files: true });
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const group = await createGroup(alice, ['bob']);

    const answer = await slotOk(alice, group, spec({ preview: 'data:image/jpeg;base64,AAAA' }));
    expect(answer.attachment).toEqual({ id: expect.stringMatching(/^at_/), ...spec({ preview: 'data:image/jpeg;base64,AAAA' }) });
    expect(answer.upload).toMatchObject({ method: 'PUT', uploaded: false });
    expect(headerNamed(answer.upload.headers, 'content-type')).toBe('image/png');
    expect(answer.upload.expiresAt).toBeGreaterThan(Date.now());
    expect(await put(s, answer, PNG)).toBe(200);
    // Asking again for the same upload: it is complete, so no PUT is needed.
    expect((await slotOk(alice, group, specOf(answer.attachment), answer.attachment.id)).upload.uploaded).toBe(true);

    const clientMsgId = nextId('m-');
    alice.send({ type: 'send', conversationId: group, clientMsgId, data: { text: 'our office', attachments: [answer.attachment.id] } });
    const live = await messageWith(bob, answer.attachment.id);
    const event = live.event as MessageEvent;
    expect(event.data).toEqual({ text: 'our office', attachments: [answer.attachment] });

    const got = await urls(bob, group, [answer.attachment.id]);
    if (got.type !== 'attachments.urls.result') throw new Error(JSON.stringify(got));
    expect(got.urls).toEqual([{ attachmentId: answer.attachment.id, url: expect.any(String), expiresAt: expect.any(Number) }]);
    const res = await fetch(absolute(s, got.urls[0]!.url));
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename="photo.png"/);

    // History carries it too (a device that was offline).
    const page = await bob.request<HistoryResultFrame>({ type: 'history', reqId: nextId('h-'), conversationId: group, limit: 10 });
    expect(page.events.find((e) => e.id === event.id)).toMatchObject({ data: { attachments: [answer.attachment] } });
  });

  it('serves HTML and SVG as downloads of opaque bytes, never inline', async () => {
    const s = await scope.server({ files: { types: ['text/html', 'image/svg+xml'] } });
    const alice = await scope.wire(s, 'alice');
    const group = await createGroup(alice, ['bob']);
    for (const [name, mimeType] of [['page.html', 'text/html'], ['logo.svg', 'image/svg+xml']] as const) {
      const body = Buffer.from('<svg onload="alert(1)"><script>alert(1)</script></svg>');
      const { ack, attachmentId } = await sendFile(s, alice, group, body, { name, size: body.length, mimeType });
      expect(ack.type).toBe('ack');
      const got = await urls(alice, group, [attachmentId]);
      if (got.type !== 'attachments.urls.result') throw new Error(JSON.stringify(got));
      const res = await fetch(absolute(s, got.urls[0]!.url));
      await res.arrayBuffer();
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('refuses a non-member everything with the same NOT_FOUND as a conversation that never existed', async () => {
    const s = await scope.server({ files: true });
    const alice = await scope.wire(s, 'alice');
    const mallory = await scope.wire(s, 'mallory');
    const group = await createGroup(alice, ['bob']);
    const { attachmentId } = await sendFile(s, alice, group);

    const outsider = await urls(mallory, group, [attachmentId]);
    const nowhere = await urls(mallory, 'g_never', [attachmentId]);
    expect(outsider).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
    expect(nowhere).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND, message: (outsider as ErrorFrame).message });
    expect(await slot(mallory, group, spec())).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND, message: (outsider as ErrorFrame).message });
    // A member of another conversation naming this file there learns nothing either.
    const other = await createGroup(mallory, ['zed']);
    const elsewhere = await urls(mallory, other, [attachmentId]);
    expect(elsewhere).toMatchObject({ type: 'attachments.urls.result', urls: [] });
    // …nor can they send it as theirs.
    const clientMsgId = nextId('m-');
    mallory.send({ type: 'send', conversationId: other, clientMsgId, data: { attachments: [attachmentId] } });
    expect(await mallory.waitFor((f) => f.type === 'nack' && f.clientMsgId === clientMsgId)).toMatchObject({ code: ErrorCode.UPLOAD_INCOMPLETE });
  });

  it('refuses a type, a size and a quota it does not take, with typed errors, storing no record', async () => {
    const s = await scope.server({ files: { types: ['image/*'], maxBytes: 1000, quotaBytes: 1500 } });
    const alice = await scope.wire(s, 'alice');
    const group = await createGroup(alice, ['bob']);
    expect(await slot(alice, group, spec({ name: 'run.exe', mimeType: 'application/x-msdownload', width: undefined, height: undefined }))).toMatchObject({
      type: 'error',
      code: ErrorCode.UNSUPPORTED_TYPE,
    });
    expect(await slot(alice, group, spec({ size: 1001 }))).toMatchObject({ type: 'error', code: ErrorCode.LIMIT_EXCEEDED });
    expect(await slot(alice, group, { name: 'notes.txt', size: 10, mimeType: 'image/png', preview: 'javascript:alert(1)' } as AttachmentSpec)).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    expect(await slot(alice, group, spec({ name: '../../etc/passwd' }))).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    await slotOk(alice, group, spec({ size: 1000 }));
    expect(await slot(alice, group, spec({ size: 600 }))).toMatchObject({ type: 'error', code: ErrorCode.LIMIT_EXCEEDED, message: expect.stringContaining('quota') });
    expect(await s.store.attachmentBytes('alice')).toBe(1000);
    // The welcome frame tells apps the size limit.
    expect(alice.frames.find((f) => f.type === 'welcome')).toMatchObject({ limits: { maxAttachmentBytes: 1000 } });
  });

  it('a server without a blob store takes no files: limit 0, uploads FORBIDDEN', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const group = await createGroup(alice, ['bob']);
    expect(alice.frames.find((f) => f.type === 'welcome')).toMatchObject({ limits: { maxAttachmentBytes: 0 } });
    expect(await slot(alice, group, spec())).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN });
  });

  it('refuses to store a message whose upload is missing or differs from what was declared (UPLOAD_INCOMPLETE), then stores it once after the upload', async () => {
    const s = await scope.server({ files: true });
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const group = await createGroup(alice, ['bob']);
    const answer = await slotOk(alice, group, spec());
    const clientMsgId = nextId('m-');
    const send = () => alice.send({ type: 'send', conversationId: group, clientMsgId, data: { attachments: [answer.attachment.id] } });
    const answersTo = () => alice.frames.filter((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId);
    const answered = async () => {
      const before = answersTo().length;
      send();
      await until(() => answersTo().length > before, 10_000, 'an answer to the send');
      return answersTo().at(-1)!;
    };
    expect(await answered()).toMatchObject({ type: 'nack', code: ErrorCode.UPLOAD_INCOMPLETE });
    // A body of another size is refused by the storage itself.
    const short = await fetch(absolute(s, answer.upload.url), { method: 'PUT', headers: answer.upload.headers, body: new Uint8Array(PNG.subarray(1)) });
    await short.arrayBuffer();
    expect(short.status).toBeGreaterThanOrEqual(400);
    expect(await answered()).toMatchObject({ type: 'nack', code: ErrorCode.UPLOAD_INCOMPLETE });
    // Renewed (the same attachment id), uploaded, sent again with the same clientMsgId: stored once.
    const renewed = await slotOk(alice, group, specOf(answer.attachment), answer.attachment.id);
    expect(renewed.attachment.id).toBe(answer.attachment.id);
    expect(await put(s, renewed, PNG)).toBe(200);
    const ack = await answered();
    expect(ack).toMatchObject({ type: 'ack', duplicate: false });
    expect(await answered()).toMatchObject({ type: 'ack', duplicate: true, seq: (ack as AckFrame).seq });
    await messageWith(bob, answer.attachment.id);
    const page = await bob.request<HistoryResultFrame>({ type: 'history', reqId: nextId('h-'), conversationId: group, limit: 50 });
    expect(page.events.filter((e) => e.kind === 'message' && e.data.attachments?.[0]?.id === answer.attachment.id)).toHaveLength(1);
    // One message holds it: another send cannot.
    const again = nextId('m-');
    alice.send({ type: 'send', conversationId: group, clientMsgId: again, data: { attachments: [answer.attachment.id] } });
    expect(await alice.waitFor((f) => f.type === 'nack' && f.clientMsgId === again)).toMatchObject({ code: ErrorCode.UPLOAD_INCOMPLETE });
  });

  it('deleting a message deletes its files: the URL stops working and nobody gets a new one', async () => {
    const s = await scope.server({ files: true });
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const group = await createGroup(alice, ['bob']);
    const { ack, attachmentId } = await sendFile(s, alice, group);
    if (ack.type !== 'ack') throw new Error(JSON.stringify(ack));
    const before = await urls(bob, group, [attachmentId]);
    if (before.type !== 'attachments.urls.result') throw new Error(JSON.stringify(before));
    expect(readdirSync(s.filesDir!, { recursive: true }).length).toBeGreaterThan(0);

    const del = nextId('d-');
    alice.send({ type: 'change', conversationId: group, clientMsgId: del, target: { messageId: ack.eventId }, change: { kind: 'delete' } });
    await alice.waitFor((f) => f.type === 'ack' && f.clientMsgId === del);
    expect(await urls(bob, group, [attachmentId])).toMatchObject({ type: 'attachments.urls.result', urls: [] });
    const res = await fetch(absolute(s, before.urls[0]!.url));
    await res.arrayBuffer();
    expect(res.status).toBe(404);
    expect(await s.blobs!.stat(`a/${attachmentId}`)).toBeNull();
    expect(await s.store.getAttachments(group, [attachmentId])).toEqual([]);
  });

  it('sweeps uploads no message holds after the TTL, and never a file a message holds', async () => {
    const s = await scope.server({ files: { unattachedTtlMs: 0, sweepEveryMs: 0 } });
    const alice = await scope.wire(s, 'alice');
    const group = await createGroup(alice, ['bob']);
    const kept = await sendFile(s, alice, group);
    expect(kept.ack.type).toBe('ack');
    const orphan = await slotOk(alice, group, spec());
    expect(await put(s, orphan, PNG)).toBe(200);
    // A send that claimed its upload and then died (no message stored): its claim is stale once
    // the claim grace passes; meanwhile it stays.
    const claimedOnly = await slotOk(alice, group, spec());
    await s.store.claimAttachments(group, 'alice', [claimedOnly.attachment.id], 'dead-send', Date.now() - 11 * 60_000);

    await until(async () => (await s.chat.api.sweepAttachments()) >= 0, 5000);
    await until(async () => (await s.store.getAttachments(group, [orphan.attachment.id, claimedOnly.attachment.id])).length === 0, 10_000, 'orphans swept');
    expect(await s.blobs!.stat(`a/${orphan.attachment.id}`)).toBeNull();
    expect(await s.blobs!.stat(`a/${kept.attachmentId}`)).toMatchObject({ size: PNG.length });
    expect((await s.store.getAttachments(group, [kept.attachmentId]))[0]?.state).toBe('attached');
  });

  it('chat.api uploads and sends a file as a bot', async () => {
    const s = await scope.server({ files: true });
    const bob = await scope.wire(s, 'bob');
    const { conversation } = await s.chat.api.createGroup({ id: 'orders', title: 'Orders', members: ['shop-bot', 'bob'] });
    const { attachment, upload } = await s.chat.api.upload({ conversationId: conversation.id, as: 'shop-bot', file: { name: 'invoice.pdf', size: 5, mimeType: 'application/pdf' } });
    const res = await fetch(absolute(s, upload.url), { method: 'PUT', headers: upload.headers, body: new TextEncoder().encode('%PDF-') });
    expect(res.status).toBe(200);
    const { event } = await s.chat.api.send({ conversationId: conversation.id, senderId: 'shop-bot', text: 'Your invoice', attachments: [attachment.id] });
    expect(event.data.attachments).toEqual([attachment]);
    await messageWith(bob, attachment.id);
    expect(existsSync(s.filesDir!)).toBe(true);
  });

  it('protocol-6 apps get the text of a message with files, and a placeholder for a message of files only', async () => {
    const s = await scope.server({ files: true });
    const alice = await scope.wire(s, 'alice');
    const group = await createGroup(alice, ['bob']);
    const old = scope.adopt(await connectWire(s.url, { token: await s.token('bob'), deviceId: 'bob-old', protocol: 6 }));
    const { ack } = await sendFile(s, alice, group);
    const answer = await slotOk(alice, group, spec());
    expect(await put(s, answer, PNG)).toBe(200);
    const onlyFile = nextId('m-');
    alice.send({ type: 'send', conversationId: group, clientMsgId: onlyFile, data: { attachments: [answer.attachment.id] } });
    const fileAck = (await alice.waitFor((f) => f.type === 'ack' && f.clientMsgId === onlyFile)) as AckFrame;
    await sendText(alice, group, 'after');
    await until(() => old.frames.some((f) => f.type === 'event' && f.event.kind === 'message' && f.event.data.text === 'after'), 10_000);
    const seen = old.frames.flatMap((f) => (f.type === 'event' ? [f.event] : []));
    expect(seen.find((e) => e.seq === (ack as AckFrame).seq)).toMatchObject({ kind: 'message', data: { text: 'look' } });
    expect(JSON.stringify(seen)).not.toContain('attachments');
    expect(old.invalid).toEqual([]);
    expect(seen.find((e) => e.seq === fileAck.seq)).toMatchObject({ kind: 'members.added', data: { userIds: [] } });
  });
});
