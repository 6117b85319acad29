/**
 * A webhook receiver as its own process, for tests that SIGKILL it: it verifies each request and
 * appends the event id to a file before answering 200, so what it acknowledged survives its death.
 * Usage: webhook-receiver-main.ts <port> <secret> <log file>
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@parley/server-sdk';

const [port = '0', secret = '', logFile = ''] = process.argv.slice(2);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const payload = verifyWebhook({ secret, body: Buffer.concat(chunks), signature: req.headers['parley-signature'] });
      appendFileSync(logFile, `${payload.id}\n`);
      res.writeHead(200).end();
    } catch {
      res.writeHead(401).end();
    }
  });
});
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`receiver listening on ${(server.address() as AddressInfo).port}\n`);
});
