import { describe, expect, it } from 'vitest';
import { createChatClientWith } from '../client/chat-client.js';
import { createFakeWire } from '../../test/support/fake-wire.js';
import { FORWARDED, OWN, type Undecided } from './forwarded-methods.js';
import type { ChatClient } from '../types.js';

describe('what a following tab forwards', () => {
  it('decides every method of the client exactly once: forwarded to the leader or done by the tab', () => {
    const client = createChatClientWith({ url: 'http://parley.test', getToken: () => 'tok', autoConnect: false }, { transport: createFakeWire().factory });
    expect([...FORWARDED, ...OWN].sort()).toEqual(Object.keys(client).sort());
    expect(new Set([...FORWARDED, ...OWN]).size).toBe(FORWARDED.length + OWN.length);
  });

  it('fails to compile when a client method is in neither list', () => {
    // A method added to `ChatClient` later, decided nowhere: the check names it.
    const undecided: Undecided<ChatClient & { pin(): void }> = 'pin';
    // @ts-expect-error every method of today's client is decided
    const none: Undecided<ChatClient> = 'send';
    expect([undecided, none]).toHaveLength(2);
  });
});
