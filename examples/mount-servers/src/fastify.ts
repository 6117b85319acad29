import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { createChatServer } from '@parley/server-sdk';
import { exampleOptions, isMain, type RunningExample } from './shared.js';

/** Parley on Fastify's own http.Server; the history API behind a Fastify route. */
export async function start(port = 3002): Promise<RunningExample> {
  const { issueToken, ...options } = exampleOptions();
  const app = Fastify();
  const chat = createChatServer({ server: app.server, ...options });
  app.get('/api/*', (request, reply) => {
    reply.hijack(); // Parley writes the raw response itself
    request.raw.url = request.raw.url!.slice('/api'.length);
    chat.rest(request.raw, reply.raw);
  });
  app.get('/', async () => 'my fastify app\n');
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    issueToken,
    async close() {
      await chat.close();
      await app.close();
    },
  };
}

if (isMain(import.meta.url)) void start().then(({ url }) => console.log(`Fastify + Parley on ${url}`));
