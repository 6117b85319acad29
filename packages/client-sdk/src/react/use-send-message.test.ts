// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement, type ReactNode } from 'react';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { ErrorCode, type ChatClient } from '@parley/client-sdk';
import { ParleyProvider, useMessages, useSendMessage } from '@parley/client-sdk/react';
import { startServerProcess, type Teardown } from '../../test/support/server-process.js';

const teardown: Teardown = [];
afterEach(async () => {
  cleanup();
  for (const step of teardown.splice(0).reverse()) await step();
});

const within = (client: ChatClient) => ({ children }: { children: ReactNode }) => createElement(ParleyProvider, { client }, children);

const eventually = { timeout: 10_000 };

describe('useSendMessage against a real Parley server', () => {
  it('a refused send sets a readable error, clearError clears it, a good send leaves it null', async () => {
    const server = await startServerProcess(teardown);
    const alice = server.client('alice');
    const { id } = await alice.openDirect('bob');
    const { result } = renderHook(() => ({ actions: useSendMessage(id), messages: useMessages(id) }), { wrapper: within(alice) });
    expect(result.current.actions.error).toBeNull();

    let refusal: unknown;
    await act(() => result.current.actions.send('x'.repeat(8_001)).catch((err: unknown) => void (refusal = err)));
    const { error } = result.current.actions;
    expect(error?.code).toBe(ErrorCode.BAD_FRAME);
    expect(error?.message).toBe('A message can be at most 8,000 characters (this one has 8,001)');
    // The promise rejects with the same error the hook shows.
    expect(refusal).toBe(error);
    expect(result.current.messages.messages).toEqual([]);

    act(() => result.current.actions.clearError());
    expect(result.current.actions.error).toBeNull();

    await act(() => result.current.actions.send('').catch(() => undefined));
    expect(result.current.actions.error?.message).toBe("A message can't be empty");
    // A send that goes through clears the last refusal too.
    await act(async () => void (await result.current.actions.send('hello bob')));
    expect(result.current.actions.error).toBeNull();
    await waitFor(() => expect(result.current.messages.messages.map((m) => [m.text, m.status])).toEqual([['hello bob', 'sent']]), eventually);
    expect(result.current.actions.error).toBeNull();
  });
});
