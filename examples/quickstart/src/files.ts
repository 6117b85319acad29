import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChatServer, createDevAuth, createDiskBlobStore, createMemoryStore } from '@parley/server-sdk';
import { createChatClient } from '@parley/client-sdk';
import { fileFromPath } from '@parley/client-sdk/node';

// A server that takes files: they live on its disk and it serves their signed URLs at /blobs.
const dir = mkdtempSync(join(tmpdir(), 'parley-files-'));
const auth = createDevAuth(); // your createJwtAuthenticator in production
const blobs = createDiskBlobStore({ dir: join(dir, 'files'), secret: 'a-development-secret-of-32-bytes-or-more', publicUrl: '/blobs' });
const http = createServer((req, res) => void blobs.handle(req, res));
const chat = createChatServer({ server: http, store: createMemoryStore(), authenticate: auth.authenticate, attachments: { blobs, types: ['application/pdf', 'image/*'] } });
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

// Alice sends a report from disk; the client uploads it, then sends the message that names it.
const report = join(dir, 'report.pdf');
writeFileSync(report, '%PDF-1.7 quarterly numbers');
const alice = createChatClient({ url, getToken: () => auth.issueToken('alice') });
const bob = createChatClient({ url, getToken: () => auth.issueToken('bob') });
const { id } = await alice.createGroup({ title: 'Finance', members: ['bob'] });
await alice.send(id, { text: 'Q3 report', attachments: [await fileFromPath(report)] });

// Bob's device gets the message with the file, and a short-lived URL only a member gets.
const message = await new Promise<ReturnType<typeof bob.getMessages>[number]>((resolve) => {
  const check = () => {
    const [m] = bob.getMessages(id);
    if (m?.attachments?.[0]?.id) resolve(m);
  };
  bob.subscribe(check);
  check();
});
const file = message.attachments![0]!;
console.log(`bob sees: ${message.text} + ${file.name} (${file.mimeType}, ${file.size} bytes)`);
const res = await fetch(await bob.getAttachmentUrl(id, file.id!));
const bytes = Buffer.from(await res.arrayBuffer());
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex').slice(0, 12);
console.log(`downloaded ${bytes.length} bytes, ${res.headers.get('content-disposition')}, same as sent: ${sha(bytes) === sha('%PDF-1.7 quarterly numbers')}`);

await alice.close();
await bob.close();
await chat.close();
http.close();
rmSync(dir, { recursive: true, force: true });
