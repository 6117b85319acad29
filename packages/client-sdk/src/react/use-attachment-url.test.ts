// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement, type ReactNode } from 'react';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { PROTOCOL_VERSION, type SyncFrame } from '@parley/protocol';
import type { ChatClient } from '@parley/client-sdk';
import { ParleyProvider, useAttachmentUrl } from '@parley/client-sdk/react';
import { createChatClientWith } from '../client/chat-client.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createFakeWire } from '../../test/support/fake-wire.js';

const clients: ChatClient[] = [];
const saved = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
afterEach(async () => {
  cleanup();
  for (const c of clients.splice(0)) await c.close();
  Object.assign(URL, { createObjectURL: saved.create, revokeObjectURL: saved.revoke });
});

function connected() {
  const wire = createFakeWire();
  const storage = createMemoryStorage();
  const chat = createChatClientWith({ url: 'http://parley.test', getToken: () => 'tok', deviceId: 'd1', storage }, { transport: wire.factory });
  clients.push(chat);
  const ready = (async () => {
    await waitFor(() => expect(wire.auths.length).toBe(1));
    wire.accept();
    wire.push({ type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} });
    const sync = wire.frames('sync').at(-1) as SyncFrame;
    wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [], removed: [], events: [], hasMore: false });
  })();
  return { wire, chat, ready, storage };
}

const within = (client: ChatClient) => ({ children }: { children: ReactNode }) => createElement(ParleyProvider, { client }, children);

describe('useAttachmentUrl', () => {
  it("gives a stored file's signed URL (asked through the client), and the reason when there is none", async () => {
    const { wire, chat, ready } = connected();
    await act(() => ready);
    const { result, rerender } = renderHook(({ id }) => useAttachmentUrl('c1', { id }), { wrapper: within(chat), initialProps: { id: 'at_1' } });
    expect(result.current).toEqual({ url: undefined, error: undefined, loading: true });
    await waitFor(() => expect(wire.frames('attachments.urls')).toHaveLength(1));
    const asked = wire.frames('attachments.urls')[0]!;
    act(() => wire.push({ type: 'attachments.urls.result', reqId: asked.reqId, urls: [{ attachmentId: 'at_1', url: '/blobs/a/at_1?sig=1', expiresAt: Date.now() + 900_000 }] }));
    await waitFor(() => expect(result.current).toEqual({ url: 'http://parley.test/blobs/a/at_1?sig=1', error: undefined, loading: false }));

    rerender({ id: 'at_gone' });
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(wire.frames('attachments.urls')).toHaveLength(2));
    act(() => wire.push({ type: 'attachments.urls.result', reqId: wire.frames('attachments.urls')[1]!.reqId, urls: [] }));
    await waitFor(() => expect(result.current.error?.code).toBe(4040));
    expect(result.current.url).toBeUndefined();
  });

  it("shows a pending file from the bytes on this device, and lets the object URL go on unmount", async () => {
    const { chat, ready, storage } = connected();
    await act(() => ready);
    const revoked: string[] = [];
    Object.assign(URL, { createObjectURL: (blob: Blob) => `blob:test/${blob.size}`, revokeObjectURL: (url: string) => revoked.push(url) });
    await storage.files!.put('local-1', new Uint8Array(42));
    const { result, unmount } = renderHook(() => useAttachmentUrl('c1', { localId: 'local-1', id: 'at_1' }), { wrapper: within(chat) });
    await waitFor(() => expect(result.current).toEqual({ url: 'blob:test/42', error: undefined, loading: false }));
    unmount();
    expect(revoked).toEqual(['blob:test/42']);
  });

  it('renders nothing to load without an attachment', () => {
    const { chat } = connected();
    const { result } = renderHook(() => useAttachmentUrl('c1', null), { wrapper: within(chat) });
    expect(result.current).toEqual({ url: undefined, error: undefined, loading: false });
  });
});
