import { createChatClient } from '@parley/client-sdk';

const url = process.env.PARLEY_URL ?? 'http://127.0.0.1:8080'; // `npm start` runs a server here
const chat = createChatClient({
  url,
  getToken: async () => (await (await fetch(`${url}/api/dev/token`, { method: 'POST', body: '{"userId":"alice"}' })).json()).token,
});
const { id } = await chat.openDirect('bob');
await chat.send(id, 'Hello, Bob!'); // in the outbox now: shown as pending, retried until stored
chat.subscribe(() => {
  const [message] = chat.getMessages(id);
  if (message?.status !== 'sent') return;
  console.log(`stored as #${message.seq}`);
  chat.close();
});
