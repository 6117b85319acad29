import { afterEach } from 'vitest';
import type { ChatClient } from '@parley/client-sdk';
import { startTestServer, type TestServer } from './test-server.js';
import { sdkClient, type SdkClientOptions } from './sdk.js';
import { connectAs } from './fixtures.js';
import type { WireClient } from './wire-client.js';

/** Anything a test starts that `testScope` should close: a hand-made wire client, a process. */
export interface Closable {
  close(): unknown;
}

/**
 * Servers and clients a test file starts, all closed after each test (clients first, then what
 * was adopted, then servers), so no test leaks sockets or processes into the next.
 */
export function testScope() {
  const servers: TestServer[] = [];
  const chats: ChatClient[] = [];
  const wires: WireClient[] = [];
  const adopted: Closable[] = [];
  afterEach(async () => {
    for (const chat of chats.splice(0)) chat.close();
    for (const w of wires.splice(0)) w.close();
    // Last adopted first: a client adopted after its server closes before it.
    for (const thing of adopted.splice(0).reverse()) await Promise.resolve(thing.close()).catch(() => {});
    for (const s of servers.splice(0)) await s.close().catch(() => {});
  });
  return {
    async server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
      const s = await startTestServer(options);
      servers.push(s);
      return s;
    },
    client(s: Pick<TestServer, 'url' | 'token'>, userId: string, options: SdkClientOptions = {}): ChatClient {
      const chat = sdkClient(s, userId, options);
      chats.push(chat);
      return chat;
    },
    /** Closes `thing` after the test; returns it, so `scope.adopt(await connectWire(...))` reads well. */
    adopt<T extends Closable>(thing: T): T {
      adopted.push(thing);
      return thing;
    },
    async wire(s: TestServer, userId: string, deviceId?: string): Promise<WireClient> {
      const w = await connectAs(s, userId, deviceId);
      wires.push(w);
      return w;
    },
  };
}
