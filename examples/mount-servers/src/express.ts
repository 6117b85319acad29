import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createChatServer } from '@parley/server-sdk';
import { exampleOptions, isMain, type RunningExample } from './shared.js';

/** Parley next to an Express app: same http.Server, history API mounted as middleware. */
export async function start(port = 3001): Promise<RunningExample> {
  const { issueToken, ...options } = exampleOptions();
  const app = express();
  const server = createServer(app);
  const chat = createChatServer({ server, ...options });
  app.use('/api', chat.rest);
  app.get('/', (_req, res) => void res.send('my express app\n'));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issueToken,
    async close() {
      await chat.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (isMain(import.meta.url)) void start().then(({ url }) => console.log(`Express + Parley on ${url}`));
