import { expect } from 'vitest';
import type { StoredAttachment } from '../store/types.js';
import { T0, type StoreCheck } from './fixtures.js';

/**
 * Upload records (`AttachmentStore`): their states only move forward by conditional changes, so a
 * send and a sweep (on any node) never both win one record, and a retried send finds what it held.
 */

const record = (over: Partial<StoredAttachment> & Pick<StoredAttachment, 'id'>): StoredAttachment => ({
  name: `${over.id}.png`,
  size: 1000,
  mimeType: 'image/png',
  conversationId: 'g1',
  uploaderId: 'alice',
  key: `a/${over.id}`,
  createdAt: T0,
  state: 'pending',
  clientMsgId: null,
  claimedAt: null,
  messageId: null,
  ...over,
});

const ids = (records: readonly StoredAttachment[]) => records.map((r) => r.id);

export const attachmentChecks: readonly StoreCheck[] = [
  {
    name: 'insertAttachment and getAttachments keep every field, absent ones absent, scoped to the conversation',
    async run(store) {
      const image = record({ id: 'at_1', width: 640, height: 480, preview: 'data:image/jpeg;base64,AAAA' });
      const file = record({ id: 'at_2', name: 'Résumé (final).pdf', mimeType: 'application/pdf', size: 52_428_800 });
      await store.insertAttachment(image);
      await store.insertAttachment(file);
      expect(await store.getAttachments('g1', ['at_2', 'at_1', 'at_missing'])).toEqual([file, image]);
      const [read] = await store.getAttachments('g1', ['at_2']);
      expect(read && 'width' in read).toBe(false);
      // Another conversation's id reads as nothing: a record is found only where it was uploaded.
      expect(await store.getAttachments('g2', ['at_1'])).toEqual([]);
    },
  },
  {
    name: 'claimAttachments holds pending uploads of the uploader for one send, and again for its retry only',
    async run(store) {
      await store.insertAttachment(record({ id: 'at_a' }));
      await store.insertAttachment(record({ id: 'at_b' }));
      await store.insertAttachment(record({ id: 'at_bob', uploaderId: 'bob' }));
      const first = await store.claimAttachments('g1', 'alice', ['at_a', 'at_b'], 'm1', T0 + 5);
      expect(first.map((r) => [r.id, r.state, r.clientMsgId, r.claimedAt])).toEqual([
        ['at_a', 'claimed', 'm1', T0 + 5],
        ['at_b', 'claimed', 'm1', T0 + 5],
      ]);
      // Another send of the same user cannot take them; someone else's upload is not claimable;
      // another conversation's id is not either.
      expect(await store.claimAttachments('g1', 'alice', ['at_a'], 'm2', T0 + 6)).toEqual([]);
      expect(await store.claimAttachments('g1', 'alice', ['at_bob'], 'm1', T0 + 6)).toEqual([]);
      expect(await store.claimAttachments('g2', 'alice', ['at_a'], 'm1', T0 + 6)).toEqual([]);
      // The same send again (a retry) holds them again, with a fresh claim time.
      const again = await store.claimAttachments('g1', 'alice', ['at_b', 'at_a'], 'm1', T0 + 7);
      expect(again.map((r) => [r.id, r.claimedAt])).toEqual([['at_b', T0 + 7], ['at_a', T0 + 7]]);
      await store.attachAttachments('g1', ['at_a', 'at_b'], 'm1', 'e_1');
      const attached = await store.getAttachments('g1', ['at_a', 'at_b']);
      expect(attached.map((r) => [r.state, r.messageId])).toEqual([['attached', 'e_1'], ['attached', 'e_1']]);
      // A retry after the message is stored still finds them (it gets the stored message).
      expect(ids(await store.claimAttachments('g1', 'alice', ['at_a'], 'm1', T0 + 8))).toEqual(['at_a']);
      expect((await store.getAttachments('g1', ['at_a']))[0]?.state).toBe('attached');
      // Attaching for another send changes nothing.
      await store.insertAttachment(record({ id: 'at_c' }));
      await store.claimAttachments('g1', 'alice', ['at_c'], 'm3', T0 + 9);
      await store.attachAttachments('g1', ['at_c'], 'm-other', 'e_2');
      expect((await store.getAttachments('g1', ['at_c']))[0]?.state).toBe('claimed');
    },
  },
  {
    name: 'markMessageAttachmentsDeleting takes a message\'s files out of use and lists them until removed',
    async run(store) {
      for (const id of ['at_1', 'at_2', 'at_3']) await store.insertAttachment(record({ id }));
      await store.claimAttachments('g1', 'alice', ['at_1', 'at_2'], 'm1', T0);
      await store.attachAttachments('g1', ['at_1', 'at_2'], 'm1', 'e_1');
      await store.claimAttachments('g1', 'alice', ['at_3'], 'm2', T0);
      await store.attachAttachments('g1', ['at_3'], 'm2', 'e_2');
      expect(ids(await store.markMessageAttachmentsDeleting('g1', 'e_1')).sort()).toEqual(['at_1', 'at_2']);
      expect((await store.getAttachments('g1', ['at_3']))[0]?.state).toBe('attached');
      // Again (a retried delete): still listed until removed, then gone.
      expect(ids(await store.markMessageAttachmentsDeleting('g1', 'e_1')).sort()).toEqual(['at_1', 'at_2']);
      await store.removeAttachment('at_1');
      expect(ids(await store.markMessageAttachmentsDeleting('g1', 'e_1'))).toEqual(['at_2']);
      // A deleting record cannot be claimed back by its send.
      expect(await store.claimAttachments('g1', 'alice', ['at_2'], 'm1', T0)).toEqual([]);
      // Another conversation's message id matches nothing here.
      expect(await store.markMessageAttachmentsDeleting('g2', 'e_2')).toEqual([]);
    },
  },
  {
    name: 'listAttachmentsToSweep finds stale pending and claimed records and every deleting one, oldest first',
    async run(store) {
      await store.insertAttachment(record({ id: 'at_old', createdAt: T0 }));
      await store.insertAttachment(record({ id: 'at_new', createdAt: T0 + 1000 }));
      await store.insertAttachment(record({ id: 'at_claim_old', createdAt: T0 + 1 }));
      await store.insertAttachment(record({ id: 'at_claim_new', createdAt: T0 + 2 }));
      await store.insertAttachment(record({ id: 'at_kept', createdAt: T0 + 3 }));
      await store.insertAttachment(record({ id: 'at_del', createdAt: T0 + 4 }));
      await store.claimAttachments('g1', 'alice', ['at_claim_old'], 'm1', T0 + 10);
      await store.claimAttachments('g1', 'alice', ['at_claim_new'], 'm2', T0 + 600);
      await store.claimAttachments('g1', 'alice', ['at_kept', 'at_del'], 'm3', T0 + 10);
      await store.attachAttachments('g1', ['at_kept', 'at_del'], 'm3', 'e_3');
      await store.removeAttachment('at_kept');
      await store.insertAttachment(record({ id: 'at_kept', createdAt: T0 + 3 }));
      await store.claimAttachments('g1', 'alice', ['at_kept'], 'm4', T0 + 10);
      await store.attachAttachments('g1', ['at_kept'], 'm4', 'e_4');
      await store.markMessageAttachmentsDeleting('g1', 'e_3');
      const sweep = await store.listAttachmentsToSweep({ pendingBefore: T0 + 500, claimedBefore: T0 + 500, limit: 10 });
      expect(ids(sweep)).toEqual(['at_old', 'at_claim_old', 'at_del']);
      expect(ids(await store.listAttachmentsToSweep({ pendingBefore: T0 + 500, claimedBefore: T0 + 500, limit: 2 }))).toEqual(['at_old', 'at_claim_old']);
      expect(await store.listAttachmentsToSweep({ pendingBefore: T0 + 500, claimedBefore: T0 + 500, limit: 0 })).toEqual([]);
    },
  },
  {
    name: 'markAttachmentDeleting wins only over the state the sweep saw: a claim in between keeps the record',
    async run(store) {
      await store.insertAttachment(record({ id: 'at_1' }));
      await store.insertAttachment(record({ id: 'at_2' }));
      const [seen1, seen2] = await store.getAttachments('g1', ['at_1', 'at_2']);
      // A send claims at_1 after the sweep read it: the sweep must lose.
      await store.claimAttachments('g1', 'alice', ['at_1'], 'm1', T0 + 1);
      expect(await store.markAttachmentDeleting('at_1', seen1!)).toBe(false);
      expect((await store.getAttachments('g1', ['at_1']))[0]?.state).toBe('claimed');
      expect(await store.markAttachmentDeleting('at_2', seen2!)).toBe(true);
      expect(await store.markAttachmentDeleting('at_2', seen2!)).toBe(false);
      expect(await store.claimAttachments('g1', 'alice', ['at_2'], 'm2', T0 + 2)).toEqual([]);
      // A claim renewed (a retry) after the sweep read it: the sweep loses too.
      const [claimed] = await store.getAttachments('g1', ['at_1']);
      await store.claimAttachments('g1', 'alice', ['at_1'], 'm1', T0 + 3);
      expect(await store.markAttachmentDeleting('at_1', claimed!)).toBe(false);
      expect(await store.markAttachmentDeleting('at_missing', { state: 'pending', claimedAt: null })).toBe(false);
    },
  },
  {
    name: 'attachmentBytes sums the uploader\'s records that are not being deleted',
    async run(store) {
      expect(await store.attachmentBytes('alice')).toBe(0);
      await store.insertAttachment(record({ id: 'at_1', size: 100 }));
      await store.insertAttachment(record({ id: 'at_2', size: 250, conversationId: 'g2' }));
      await store.insertAttachment(record({ id: 'at_3', size: 999, uploaderId: 'bob' }));
      expect(await store.attachmentBytes('alice')).toBe(350);
      const [seen] = await store.getAttachments('g1', ['at_1']);
      await store.markAttachmentDeleting('at_1', seen!);
      expect(await store.attachmentBytes('alice')).toBe(250);
      await store.removeAttachment('at_2');
      expect(await store.attachmentBytes('alice')).toBe(0);
      expect(await store.attachmentBytes('bob')).toBe(999);
    },
  },
];
