// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { StrictMode, createElement, type ReactNode } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { act, cleanup, render, renderHook, waitFor } from '@testing-library/react';
import { createChatClient, type ChatClient } from '@parley/client-sdk';
import {
  ParleyProvider,
  useConnection,
  useConversations,
  useCurrentUserId,
  useMarkRead,
  useMessages,
  useOutbox,
  useCreateChatClient,
  useSendMessage,
} from '@parley/client-sdk/react';
import { startServerProcess } from '../../test/support/server-process.js';

const teardown: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  cleanup();
  for (const step of teardown.splice(0).reverse()) await step();
});

const startServer = () => startServerProcess(teardown);

const within = (client: ChatClient | null) => ({ children }: { children: ReactNode }) =>
  createElement(ParleyProvider, { client }, children);

const eventually = { timeout: 10_000 };

describe('React hooks against a real Parley server', () => {
  it('lists conversations with unread counts and shows messages as they arrive', async () => {
    const server = await startServer();
    const alice = server.client('alice');
    const bob = server.client('bob');
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'hi bob');
    await alice.send(id, 'are you there?');

    const { result } = renderHook(() => ({ list: useConversations(), thread: useMessages(id), me: useCurrentUserId() }), { wrapper: within(bob) });
    await waitFor(() => expect(result.current.list.conversations[0]?.unread).toBe(2), eventually);
    expect(result.current.list.totalUnread).toBe(2);
    expect(result.current.me).toBe('bob');
    await waitFor(() => expect(result.current.thread.messages.map((m) => m.text)).toEqual(['hi bob', 'are you there?']), eventually);

    await act(() => alice.send(id, 'third'));
    await waitFor(() => expect(result.current.list.totalUnread).toBe(3), eventually);
    expect(result.current.thread.messages.at(-1)).toMatchObject({ text: 'third', senderId: 'alice' });
  });

  it('shows a sent message at once as pending, then as sent', async () => {
    const server = await startServer();
    const alice = server.client('alice');
    const { id } = await alice.openDirect('bob');
    const { result } = renderHook(() => ({ thread: useMessages(id), actions: useSendMessage(id) }), { wrapper: within(alice) });

    await act(() => result.current.actions.send('optimistic'));
    // Before the server could answer, the message is on screen.
    expect(result.current.thread.messages.map((m) => [m.text, m.status])).toEqual([['optimistic', 'pending']]);
    await waitFor(() => expect(result.current.thread.messages[0]?.status).toBe('sent'), eventually);
    expect(result.current.thread.messages).toHaveLength(1);
  });

  it('marks a conversation read while it is shown, and the unread count drops', async () => {
    const server = await startServer();
    const alice = server.client('alice');
    const bob = server.client('bob');
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'one');
    await alice.send(id, 'two');
    const list = renderHook(() => useConversations(), { wrapper: within(bob) });
    await waitFor(() => expect(list.result.current.totalUnread).toBe(2), eventually);

    const screen = renderHook(() => useMarkRead(id), { wrapper: within(bob) });
    await waitFor(() => expect(list.result.current.totalUnread).toBe(0), eventually);
    await act(() => alice.send(id, 'three'));
    // Still on screen: the new message is read as it arrives.
    await waitFor(() => expect(bob.getMessages(id)).toHaveLength(3), eventually);
    await waitFor(() => expect(list.result.current.totalUnread).toBe(0), eventually);

    screen.unmount();
    await act(() => alice.send(id, 'four'));
    await waitFor(() => expect(list.result.current.totalUnread).toBe(1), eventually);
  });

  it('scrolls back through the whole history page by page', async () => {
    const server = await startServer();
    const alice = server.client('alice');
    const { id } = await alice.openDirect('bob');
    const texts = Array.from({ length: 75 }, (_, i) => `message ${i + 1}`);
    for (const text of texts) await alice.send(id, text);
    await waitFor(() => expect(alice.getMessages(id).every((m) => m.status === 'sent')).toBe(true), eventually);

    // A fresh device of bob's sees only the newest page at first.
    const bob = server.client('bob');
    const { result } = renderHook(() => useMessages(id, { pageSize: 20 }), { wrapper: within(bob) });
    await waitFor(() => expect(result.current.messages.length).toBeGreaterThan(0), eventually);
    expect(result.current.messages.length).toBeLessThan(texts.length);
    expect(result.current.hasOlder).toBe(true);

    let pages = 0;
    while (result.current.hasOlder) {
      // Several scroll events while one page is loading fetch it only once.
      await act(() => Promise.all([result.current.loadOlder(), result.current.loadOlder()]));
      pages += 1;
      expect(pages).toBeLessThan(10);
    }
    expect(result.current.loadingOlder).toBe(false);
    expect(result.current.messages.map((m) => m.text)).toEqual(texts);
  });

  it('reports offline, counts queued messages, and sends them when back online', async () => {
    const server = await startServer();
    const alice = server.client('alice');
    const bob = server.client('bob');
    const { id } = await alice.openDirect('bob');
    const { result } = renderHook(() => ({ connection: useConnection(), outbox: useOutbox(), actions: useSendMessage(id) }), { wrapper: within(alice) });
    await waitFor(() => expect(result.current.connection.status).toBe('online'), eventually);

    act(() => void window.dispatchEvent(new Event('offline')));
    expect(result.current.connection.status).toBe('offline');
    await act(() => result.current.actions.send('written offline'));
    await act(() => result.current.actions.send('and another'));
    expect(result.current.outbox.pending.map((m) => m.text)).toEqual(['written offline', 'and another']);

    act(() => void window.dispatchEvent(new Event('online')));
    await waitFor(() => expect(result.current.outbox.pending).toEqual([]), eventually);
    expect(result.current.connection.status).toBe('online');
    await waitFor(() => expect(bob.getMessages(id).map((m) => m.text)).toEqual(['written offline', 'and another']), eventually);
  });
});

/** Counts what a provider and its hooks do to a client: live subscriptions and `close()` calls. */
function instrument(client: ChatClient) {
  const counts = { subscribed: 0, closed: 0 };
  const { subscribe, close } = client;
  client.subscribe = (listener) => {
    counts.subscribed += 1;
    const unsubscribe = subscribe(listener);
    return () => {
      counts.subscribed -= 1;
      unsubscribe();
    };
  };
  client.close = () => {
    counts.closed += 1;
    return close();
  };
  return counts;
}

describe('React lifecycle: StrictMode, unmounting, hydration', () => {
  it('useCreateChatClient keeps one connection under StrictMode and closes each client once on unmount', async () => {
    const server = await startServer();
    const created: { client: ChatClient; counts: ReturnType<typeof instrument> }[] = [];
    function Status() {
      return createElement('output', null, useConnection().status);
    }
    function App() {
      const chat = useCreateChatClient(() => {
        const client = createChatClient({ url: server.url, getToken: () => server.token('strict'), autoConnect: false });
        created.push({ client, counts: instrument(client) });
        return client;
      }, []);
      return createElement(ParleyProvider, { client: chat }, createElement(Status));
    }
    const view = render(createElement(StrictMode, null, createElement(App)));
    await waitFor(() => expect(view.container.textContent).toBe('online'), eventually);

    const live = created.filter(({ client }) => client.getSnapshot().connection.status !== 'closed');
    expect(live).toHaveLength(1);
    expect(created.every(({ counts }) => counts.closed <= 1)).toBe(true);
    await waitFor(async () => expect(await server.connections()).toBe(1), eventually);

    view.unmount();
    expect(created.map(({ counts }) => counts.closed)).toEqual(created.map(() => 1));
    expect(created.map(({ counts }) => counts.subscribed)).toEqual(created.map(() => 0));
    await waitFor(async () => expect(await server.connections()).toBe(0), eventually);
  });

  it('a provider given a client removes every listener on unmount and leaves the client open', async () => {
    const server = await startServer();
    const alice = server.client('alice');
    const counts = instrument(alice);
    const { id } = await alice.openDirect('bob');
    const hooks = () => ({ list: useConversations(), thread: useMessages(id), connection: useConnection(), outbox: useOutbox() });
    const strict = ({ children }: { children: ReactNode }) =>
      createElement(StrictMode, null, createElement(ParleyProvider, { client: alice }, children));
    const view = renderHook(hooks, { wrapper: strict });
    await waitFor(() => expect(view.result.current.list.conversations).toHaveLength(1), eventually);
    expect(counts.subscribed).toBeGreaterThan(0);

    view.unmount();
    expect(counts.subscribed).toBe(0);
    expect(counts.closed).toBe(0);
    // The app still owns a working client.
    await alice.send(id, 'still here');
    await waitFor(() => expect(alice.getMessages(id)[0]?.status).toBe('sent'), eventually);
  });

  it('unmounting while an older page loads neither throws nor leaves anything listening', async () => {
    const server = await startServer();
    const alice = server.client('alice');
    const counts = instrument(alice);
    const { id } = await alice.openDirect('bob');
    for (let i = 0; i < 60; i += 1) await alice.send(id, `m${i}`);
    const bob = server.client('bob');
    const view = renderHook(() => useMessages(id, { pageSize: 5 }), { wrapper: within(bob) });
    await waitFor(() => expect(view.result.current.hasOlder).toBe(true), eventually);
    const page = view.result.current.loadOlder();
    view.unmount();
    await expect(page).resolves.toBeUndefined();
    expect(counts.subscribed).toBe(0);
  });

  it('hydrates server-rendered markup without a mismatch, then shows the live chat', async () => {
    const server = await startServer();
    const alice = server.client('alice');
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'hello');
    const bob = server.client('bob');
    await new Promise<void>((done) => {
      const stop = bob.subscribe(() => bob.getConversation(id) && (stop(), done()));
    });

    function Inbox() {
      const { totalUnread } = useConversations();
      return createElement('p', null, `unread: ${totalUnread}`);
    }
    // The server had no client; the browser's client already holds data when it hydrates.
    const html = renderToString(createElement(ParleyProvider, { client: null }, createElement(Inbox)));
    expect(html).toContain('unread: 0');
    const container = document.createElement('div');
    container.innerHTML = html;
    const errors: unknown[] = [];
    const root = await act(async () =>
      hydrateRoot(container, createElement(ParleyProvider, { client: bob }, createElement(Inbox)), {
        onRecoverableError: (error) => errors.push(error),
      }),
    );
    await waitFor(() => expect(container.textContent).toBe('unread: 1'), eventually);
    expect(errors).toEqual([]);
    act(() => root.unmount());
  });
});
