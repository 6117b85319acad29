import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatServer, createDevAuth, createMemoryStore } from '@parley/server-sdk';
import { createChatClient } from '@parley/client-sdk';

// A server with search on (the default): the memory store brings its own index.
const auth = createDevAuth(); // your createJwtAuthenticator in production
const http = createServer();
const chat = createChatServer({ server: http, store: createMemoryStore(), authenticate: auth.authenticate });
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

// Resolves once the server has stored `count` events of a kind (your backend can listen the same way).
const storedEvents = (kind: string, count: number) =>
  new Promise<void>((resolve) => {
    let seen = 0;
    const stop = chat.on('event', (event) => {
      if (event.kind !== kind || ++seen < count) return;
      stop();
      resolve();
    });
  });

const alice = createChatClient({ url, getToken: () => auth.issueToken('alice') });
const { id } = await alice.createGroup({ title: 'Trip', members: ['bob'] });
const sent = storedEvents('message', 3);
await alice.send(id, 'The train to Zürich leaves at 9');
await alice.send(id, 'Hotel booked near the lake');
const typo = await alice.send(id, 'Dinner at the resturant on Friday');
await sent;
// Alice fixes the typo once it is stored.
const edited = storedEvents('message.edited', 1);
await alice.edit(id, typo.key, 'Dinner at the restaurant on Friday');
await edited;

// Bob searches: words by their start, any case, accents or not; the edit's new text only.
const bob = createChatClient({ url, getToken: () => auth.issueToken('bob') });
// Connected, it asks the server; not connected, it searches what the device holds (`offline`).
await new Promise<void>((resolve) => {
  const check = () => bob.getSnapshot().connection.status === 'online' && resolve();
  bob.subscribe(check);
  check();
});
for (const query of ['zurich', 'HOT', 'resturant', 'restaurant friday']) {
  const { hits, source } = await bob.search(query);
  const shown = hits.map((hit) => {
    let text = '';
    let at = 0;
    for (const [start, end] of hit.highlights) {
      text += `${hit.snippet.slice(at, start)}[${hit.snippet.slice(start, end)}]`;
      at = end;
    }
    return text + hit.snippet.slice(at);
  });
  console.log(`${query} (${source}): ${shown.length ? shown.join(' | ') : 'nothing'}`);
}

// The backend searches as a user too, without a socket.
const { hits } = await chat.api.search('alice', { query: 'lake' });
console.log(`chat.api.search: ${hits.map((hit) => hit.message.data.text).join(', ')}`);

await alice.close();
await bob.close();
await chat.close();
http.close();
