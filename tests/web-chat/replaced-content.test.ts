import { describe, expect, it } from 'vitest';
import { browserAvailable } from '../browser/helpers/browser.js';
import { startChat, timelineTexts } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

const suite = browserAvailable() ? describe : describe.skip;

const eventually = { timeout: 30_000 };

suite('content the server replaced, in the example web chat', () => {
  // The server's beforeSend hook masks this word (helpers/web-chat-process.ts).
  const { named, person } = webChatSuite({ maskWords: ['darn'] });

  it("the sender's own page shows what the server stored (ack.replaced), as the other side does", async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    await startChat(alice, [named('bob')]);
    await alice.send('darn it, the train is late');
    await expect.poll(() => timelineTexts(alice), eventually).toEqual(['*** it, the train is late']);
    await expect.poll(() => alice.tick('*** it, the train is late'), eventually).not.toBe('pending');
    await bob.open(named('alice'));
    await expect.poll(() => timelineTexts(bob), eventually).toEqual(['*** it, the train is late']);
  }, 120_000);
});
