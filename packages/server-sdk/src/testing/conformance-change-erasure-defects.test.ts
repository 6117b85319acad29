import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../store/memory-store.js';
import { changeEvent } from '../store/store-helpers.js';
import type { AppendInput, ChangeInput, ChatStore, MessageChangeInput } from '../store/types.js';
import { changeErasureChecks } from './conformance-change-erasure.js';

// The kit's own test for edits and deletes through `appendChange`: each defect below is a
// plausible way to get the erasure wrong, and the named check must fail on a store that has it.

type Defect = (inner: ChatStore) => ChatStore;

const isMessageChange = (input: ChangeInput): input is MessageChangeInput => input.kind === 'message.edited' || input.kind === 'message.deleted';

/** `appendChange` of message changes of `kind` as `make` does it; everything else as the inner store does. */
const changingMessages = (kind: MessageChangeInput['kind'], make: (inner: ChatStore, input: MessageChangeInput) => Promise<AppendInput | null>): Defect => (inner) => ({
  ...inner,
  appendChange: async (input) => {
    if (!isMessageChange(input) || input.kind !== kind) return inner.appendChange(input);
    const append = await make(inner, input);
    if (!append) return inner.appendChange(input);
    return { ...(await inner.append(append)), conversation: (await inner.getConversation(input.conversationId))! };
  },
});

/** The event appended, its erasure left to the caller (what the server did before: a blip or a crash in between kept the text). */
const appendOnly = (kind: MessageChangeInput['kind']) => changingMessages(kind, async (_inner, input) => changeEvent(input));

const DEFECTS: Record<string, { defect: Defect; caughtBy: string }> = {
  'appends an edit but leaves the erasure of the versions it replaced to a later call': {
    defect: appendOnly('message.edited'),
    caughtBy: 'appendChange of an edit with eraseReplaced appends it and erases the versions it replaced',
  },
  'appends a delete but leaves the erasure of the message to a later call': {
    defect: appendOnly('message.deleted'),
    caughtBy: 'appendChange of a delete erases the message with its event',
  },
  'stores the eraseReplaced flag in the edit event': {
    defect: changingMessages('message.edited', async (inner, input) => {
      const stored = await inner.append(input as AppendInput);
      if (!stored.duplicate) await inner.eraseMessage(input.conversationId, input.data.messageSeq, { keepEditSeq: stored.event.seq });
      return null;
    }),
    caughtBy: 'appendChange of an edit with eraseReplaced appends it and erases the versions it replaced',
  },
  'erases the versions an edit replaced although it asked to keep them': {
    defect: (inner) => ({ ...inner, appendChange: (input) => inner.appendChange(input.kind === 'message.edited' ? { ...input, eraseReplaced: true } : input) }),
    caughtBy: 'appendChange of an edit without eraseReplaced keeps every version',
  },
  'erases what a repeated delete names, though its key found another event': {
    defect: (inner) => ({
      ...inner,
      appendChange: async (input) => {
        const result = await inner.appendChange(input);
        if (result.duplicate && input.kind === 'message.deleted') await inner.eraseMessage(input.conversationId, input.data.messageSeq);
        return result;
      },
    }),
    caughtBy: 'appendChange of a repeated message change returns the original and erases nothing again',
  },
};

const failing = async (store: () => ChatStore): Promise<string[]> => {
  const failed: string[] = [];
  for (const check of changeErasureChecks) {
    const attempt = store();
    await check.run(attempt).catch(() => failed.push(check.name));
    await attempt.close();
  }
  return failed;
};

describe('the conformance kit catches edits and deletes whose erasure is not part of appendChange', () => {
  it('passes every check on the memory store', async () => {
    expect(await failing(createMemoryStore)).toEqual([]);
  });

  it.each(Object.entries(DEFECTS))('fails a store that %s', async (_name, { defect, caughtBy }) => {
    const failed = await failing(() => defect(createMemoryStore()));
    expect(failed.filter((name) => name.startsWith(caughtBy))).toHaveLength(1);
  });
});
