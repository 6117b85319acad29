import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatServer } from '@parley/server-sdk';
import { exampleOptions, isMain, type RunningExample } from './shared.js';

/** Parley on a plain `node:http` server: socket at /parley/socket.io, history API under /api. */
export async function start(port = 3000): Promise<RunningExample> {
  const { issueToken, ...options } = exampleOptions();
  const server = createServer();
  const chat = createChatServer({ server, ...options });
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/parley/socket.io')) return; // answered by socket.io
    if (req.url?.startsWith('/api/')) {
      req.url = req.url.slice('/api'.length);
      return chat.rest(req, res);
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('my app\n');
  });
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

if (isMain(import.meta.url)) void start().then(({ url }) => console.log(`plain http + Parley on ${url}`));
