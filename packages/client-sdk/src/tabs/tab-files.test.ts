import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { UploadFrame } from '@parley/protocol';
import { leaderAndFollower, origin, until } from '../../test/support/tab-origin.js';
import type { FileUpload } from '../files/put-file.js';

describe('files sent from a following tab', () => {
  it('are kept in the shared database, uploaded by the leading tab, and every tab shows the progress and the stored message', async () => {
    const puts: { upload: FileUpload; answer(status: number): void }[] = [];
    const tabs = origin({
      uploadFile: (upload) => new Promise((resolve) => puts.push({ upload, answer: (status) => resolve({ status }) })),
    });
    const { wires } = tabs;
    const { leader, follower } = await leaderAndFollower(tabs);
    const sent = await follower.send('c1', { text: 'from the other tab', attachments: [new File(['hello, file'], 'hello.txt', { type: 'text/plain' })] });
    expect(sent.attachments).toMatchObject([{ name: 'hello.txt', size: 11, mimeType: 'text/plain', progress: { loaded: 0, total: 11 } }]);
    // The bytes are in the storage the tabs share: either tab can show them.
    expect(await (await follower.getLocalFile(sent.attachments![0]!.localId!))?.text()).toBe('hello, file');

    await until(() => wires[0]!.frames('upload').length === 1, 'the leader to ask a slot');
    const frame = wires[0]!.frames('upload')[0] as UploadFrame;
    wires[0]!.push({
      type: 'upload.result', reqId: frame.reqId, attachment: { id: 'at_1', ...frame.file },
      upload: { url: 'https://files.example/a/at_1?sig=1', method: 'PUT', headers: { 'Content-Type': 'text/plain' }, expiresAt: Date.now() + 60_000, uploaded: false },
    });
    await until(() => puts.length === 1, 'the PUT');
    expect(await puts[0]!.upload.body.text()).toBe('hello, file');
    puts[0]!.upload.onProgress(5);
    await until(() => follower.getMessages('c1').at(-1)?.attachments?.[0]?.progress?.loaded === 5, 'the follower to show the progress');
    expect(follower.getMessages('c1').at(-1)?.attachments?.[0]).toMatchObject({ id: 'at_1', progress: { loaded: 5, total: 11 } });

    puts[0]!.answer(200);
    await until(() => wires[0]!.frames('send').length === 1, 'the send');
    expect(wires[0]!.frames('send')[0]!.data).toEqual({ text: 'from the other tab', attachments: ['at_1'] });
    wires[0]!.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.clientMsgId!, eventId: 'e2', seq: 2, ts: 2, duplicate: false });
    for (const tab of [leader, follower]) {
      await until(() => tab.getMessages('c1').at(-1)?.status === 'sent', 'the stored message in every tab');
      expect(tab.getMessages('c1').at(-1)?.attachments).toEqual([{ id: 'at_1', name: 'hello.txt', size: 11, mimeType: 'text/plain' }]);
    }
    // Stored: the shared bytes are gone.
    let gone = false;
    await until(() => {
      void follower.getLocalFile(sent.attachments![0]!.localId!).then((blob) => (gone = blob === undefined));
      return gone;
    }, 'the bytes to be deleted');
  });

  it('fetch download URLs through the leading tab', async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { follower } = await leaderAndFollower(tabs);
    const url = follower.getAttachmentUrl('c1', 'at_7');
    await until(() => wires[0]!.frames('attachments.urls').length === 1, 'the request on the leader connection');
    const frame = wires[0]!.frames('attachments.urls')[0]!;
    wires[0]!.push({ type: 'attachments.urls.result', reqId: frame.reqId, urls: [{ attachmentId: 'at_7', url: '/blobs/a/at_7?sig=2', expiresAt: Date.now() + 900_000 }] });
    expect(await url).toBe('http://parley.test/blobs/a/at_7?sig=2');
  });
});
