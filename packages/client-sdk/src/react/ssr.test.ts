import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { createChatClient } from '@parley/client-sdk';
import {
  ParleyProvider,
  useConnection,
  useConversations,
  useCreateChatClient,
  useMarkRead,
  useMessages,
  useOutbox,
} from '@parley/client-sdk/react';

function Screen() {
  const chat = useCreateChatClient(() => createChatClient({ url: 'http://127.0.0.1:9', getToken: () => 'unused' }), []);
  return createElement(ParleyProvider, { client: chat }, createElement(Inbox));
}

function Inbox() {
  const { status } = useConnection();
  const { conversations } = useConversations();
  const { messages, hasOlder } = useMessages('c1');
  const { pending } = useOutbox();
  useMarkRead('c1');
  return createElement('p', null, `${status} ${conversations.length} ${messages.length} ${hasOlder} ${pending.length}`);
}

describe('server-side rendering', () => {
  it('renders an idle, empty chat on a server with no DOM and opens no connection', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    expect(renderToString(createElement(Screen))).toBe('<p>idle 0 0 false 0</p>');
  });

  it('renders the same empty chat when the app hands the provider an existing client', () => {
    // A client created on the server must not put its live state into server markup either.
    const chat = createChatClient({ url: 'http://127.0.0.1:9', getToken: () => 'unused' });
    expect(chat.getSnapshot().connection.status).toBe('connecting');
    expect(renderToString(createElement(ParleyProvider, { client: chat }, createElement(Inbox)))).toBe('<p>idle 0 0 false 0</p>');
    chat.close();
  });

  it('tells a developer who forgot the provider what to add', () => {
    expect(() => renderToString(createElement(Inbox))).toThrow(/ParleyProvider/);
  });
});
