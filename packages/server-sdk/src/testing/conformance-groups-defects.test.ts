import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../store/memory-store.js';
import type { ChangeInput, ChatStore, GroupChangeInput } from '../store/types.js';
import { groupChecks } from './conformance-groups.js';

// The kit's own test for group changes (`appendChange`): each defect below is a plausible way to
// get it wrong, and the named check must fail on a store that has it.

type Defect = (inner: ChatStore) => ChatStore;

const isGroupChange = (input: ChangeInput): input is GroupChangeInput => input.kind === 'conversation.updated' || input.kind === 'members.role';

/** The change itself, as the plain methods make it (no event). */
const applyChange = (store: ChatStore, input: GroupChangeInput) =>
  input.kind === 'conversation.updated' ? store.updateConversation(input.conversationId, input.data) : store.setRoles(input.conversationId, input.data.changes);

/** `appendChange` as two steps, the change then its event (what the server did before): `between` runs in the gap. */
const inTwoSteps = (between: () => Promise<void>): Defect => (inner) => ({
  ...inner,
  appendChange: async (input) => {
    if (!isGroupChange(input) || (await inner.findEvent(input.conversationId, input.senderId, input.clientMsgId))) return inner.appendChange(input);
    await applyChange(inner, input);
    await between();
    const appended = await inner.append(input);
    return { ...appended, conversation: (await inner.getConversation(input.conversationId))! };
  },
});

const DEFECTS: Record<string, { defect: Defect; caughtBy: string }> = {
  'applies a repeated change again (a retry undoes the changes made since)': {
    defect: (inner) => ({
      ...inner,
      appendChange: async (input) => {
        if (isGroupChange(input)) await applyChange(inner, input);
        return inner.appendChange(input);
      },
    }),
    caughtBy: 'appendChange of a repeated clientMsgId returns the original and applies nothing again',
  },
  'appends the event but leaves the change unmade': {
    defect: (inner) => ({
      ...inner,
      appendChange: async (input) => ({ ...(await inner.append(input)), conversation: (await inner.getConversation(input.conversationId))! }),
    }),
    caughtBy: 'appendChange applies a details change and appends its event together',
  },
  'makes the change and its event in two steps that concurrent changes interleave': {
    defect: (inner) => {
      // Each change waits less than the one before it: later changes append first.
      let gapMs = 30;
      return inTwoSteps(() => new Promise((resolve) => setTimeout(resolve, (gapMs = Math.max(0, gapMs - 1)))))(inner);
    },
    caughtBy: 'appendChange made at once by many: the log holds them in the order the store applied them',
  },
};

const failing = async (store: () => ChatStore): Promise<string[]> => {
  const failed: string[] = [];
  for (const check of groupChecks) {
    const attempt = store();
    await check.run(attempt).catch(() => failed.push(check.name));
    await attempt.close();
  }
  return failed;
};

describe('the conformance kit catches broken group changes', () => {
  it('passes every group check on the memory store', async () => {
    expect(await failing(createMemoryStore)).toEqual([]);
  });

  it.each(Object.entries(DEFECTS))('fails a store that %s', async (_name, { defect, caughtBy }) => {
    const failed = await failing(() => defect(createMemoryStore()));
    expect(failed.filter((name) => name.startsWith(caughtBy))).toHaveLength(1);
  });
});
