import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatServer, createDevAuth, createMemoryStore } from '@parley/server-sdk';
import { createChatClient } from '@parley/client-sdk';

// Your server, with your rules: links are refused, one word is masked, and every stored event is
// seen by your code (webhooks, `createChatServer({ webhooks })`, deliver them durably instead).
const auth = createDevAuth(); // your createJwtAuthenticator in production
const http = createServer();
const chat = createChatServer({
  server: http,
  store: createMemoryStore(),
  authenticate: auth.authenticate,
  hooks: {
    beforeSend: ({ data }) => {
      if (data.text?.includes('http')) return { reject: 'links are not allowed in support chats' };
      if (data.text?.includes('darn')) return { replace: { text: data.text.replaceAll('darn', '****') } };
    },
  },
});
chat.on('event', (event) => console.log(`stored #${event.seq} ${event.kind} by ${event.senderId}`));
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

// An order needs a support chat: your id makes a retried create return the same group.
const { conversation } = await chat.api.createGroup({ id: 'order-1234', title: 'Order #1234', members: ['agent', 'alice'] });
await chat.api.updateConversation(conversation.id, { description: 'Delivery questions' }, { by: 'agent' });
await chat.api.send({ conversationId: conversation.id, senderId: 'order-bot', text: 'Your order shipped.' });

// Alice's app (the client SDK) sees it, and her messages pass your hook.
const alice = createChatClient({ url, getToken: () => auth.issueToken('alice') });
await alice.send(conversation.id, 'see http://example.com'); // refused by the hook: shown failed
await alice.send(conversation.id, 'darn, it is late'); // stored masked: shown masked on her screen too
await new Promise<void>((resolve) => {
  const stop = alice.subscribe(() => {
    const messages = alice.getMessages(conversation.id);
    if (messages.length < 3 || messages.some((m) => m.status === 'pending')) return;
    stop();
    for (const m of messages) console.log(`alice sees: ${m.senderId}: ${m.text} (${m.status}${m.error ? `: ${m.error.message}` : ''})`);
    resolve();
  });
});
await alice.close();
await chat.close();
http.close();
