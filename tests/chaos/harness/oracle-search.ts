import { parseSearchQuery, searchTokens, type LogEvent, type SearchResultFrame } from '@parley/protocol';
import type { ChatStore } from '@parley/server-sdk';
import { connectWire, nextId, type WireClient } from '../../helpers/wire-client.js';

export interface SearchReport {
  violations: string[];
  /** Searches asked. */
  queries: number;
}

/** Messages of each conversation the oracle looks up (spread over its log). */
const SAMPLE = 8;

/** A query that matches exactly this text's words, in order (a phrase of its tokens), or null when it has none. */
const phraseOf = (text: string): string | null => {
  const tokens = searchTokens(text).map(({ token }) => token);
  return tokens.length > 0 && parseSearchQuery(`"${tokens.join(' ')}"`).length > 0 ? `"${tokens.join(' ')}"` : null;
};

interface Versions {
  seq: number;
  /** Every text the message had, oldest first (the original, then each edit's). */
  texts: string[];
  deleted: boolean;
}

/**
 * The promise about search, after the chaos, asked of the running server as users ask it: for a
 * sample of every conversation's messages, a member finds a message by its current text (and sees
 * that text), never by a text an edit replaced, and never finds a deleted message; a user who is
 * not a member finds nothing of the conversation. Whatever the crashes, blips and lost ACKs did to
 * the index, the answers follow the log.
 */
export async function checkSearch(
  store: ChatStore,
  logs: ReadonlyMap<string, readonly LogEvent[]>,
  users: readonly string[],
  connect: (userId: string) => Promise<WireClient>,
): Promise<SearchReport> {
  const violations: string[] = [];
  let queries = 0;
  const clients = new Map<string, Promise<WireClient>>();
  const client = (userId: string) => {
    let open = clients.get(userId);
    if (!open) clients.set(userId, (open = connect(userId)));
    return open;
  };
  const ask = async (userId: string, query: string, conversationId?: string): Promise<SearchResultFrame['hits']> => {
    queries++;
    const wire = await client(userId);
    for (let attempt = 1; ; attempt++) {
      const reqId = nextId('oracle-s-');
      wire.send({ type: 'search', reqId, query, limit: 50, ...(conversationId ? { conversationId } : {}) });
      // A busy machine (a long run, other work on its cores) answers slowly: wait generously.
      const answer = await wire.waitFor((f) => 'reqId' in f && f.reqId === reqId, 60_000).catch(() => null);
      if (answer?.type === 'search.result') return answer.hits;
      if (attempt >= 3) throw new Error(`search ${query} as ${userId}: ${answer ? JSON.stringify(answer) : 'no answer in 60 s'}`);
    }
  };
  try {
    for (const [conversationId, log] of logs) {
      const members = (await store.listMembers(conversationId)).map((m) => m.userId);
      const member = members[0];
      const outsider = users.find((u) => !members.includes(u));
      if (!member) continue;
      const messages = new Map<number, Versions>();
      for (const event of log) {
        if (event.kind === 'message') messages.set(event.seq, { seq: event.seq, texts: event.data.text !== undefined ? [event.data.text] : [], deleted: false });
        else if (event.kind === 'message.edited' && event.data.text !== undefined) messages.get(event.data.messageSeq)?.texts.push(event.data.text);
        else if (event.kind === 'message.deleted') {
          const target = messages.get(event.data.messageSeq);
          if (target) target.deleted = true;
        }
      }
      // Deleted and edited ones first (where the index can go wrong), then a spread of the rest.
      const all = [...messages.values()].filter((m) => m.texts.length > 0);
      const changed = all.filter((m) => m.deleted || m.texts.length > 1);
      const plain = all.filter((m) => !m.deleted && m.texts.length === 1);
      const step = Math.max(1, Math.floor(plain.length / SAMPLE));
      const sample = [...changed.slice(0, SAMPLE), ...plain.filter((_, i) => i % step === 0).slice(0, SAMPLE)];
      for (const message of sample) {
        const where = `${conversationId}#${message.seq}`;
        const current = message.texts[message.texts.length - 1]!;
        if (message.deleted) {
          for (const text of message.texts) {
            const query = phraseOf(text);
            if (!query) continue;
            if ((await ask(member, query, conversationId)).some((hit) => hit.seq === message.seq)) violations.push(`${where}: deleted, yet ${member} finds it by ${query}`);
          }
          continue;
        }
        const query = phraseOf(current);
        if (!query) continue;
        const hit = (await ask(member, query, conversationId)).find((h) => h.seq === message.seq);
        if (!hit) violations.push(`${where}: ${member} does not find it by its text ${query}`);
        else if (hit.message.data.text !== current) violations.push(`${where}: found showing ${JSON.stringify(hit.message.data.text)}, its text is ${JSON.stringify(current)}`);
        // A replaced version whose words the current text does not hold must find nothing.
        for (const old of message.texts.slice(0, -1)) {
          const oldQuery = phraseOf(old);
          if (!oldQuery || parseSearchQuery(oldQuery).every((term) => phraseOf(current)?.includes(term.tokens.join(' ')))) continue;
          if ((await ask(member, oldQuery, conversationId)).some((h) => h.seq === message.seq)) violations.push(`${where}: found by the replaced text ${oldQuery}`);
        }
        if (outsider && (await ask(outsider, query)).some((h) => h.conversationId === conversationId)) {
          violations.push(`${where}: ${outsider}, not a member, finds it`);
        }
      }
    }
  } finally {
    for (const open of clients.values()) void open.then((c) => c.close(), () => undefined);
  }
  return { violations, queries };
}

/** Connects the oracle as a user: a device of its own, so no user's device state changes. */
export const oracleConnect = (url: string, issueToken: (userId: string) => Promise<string>) => async (userId: string) =>
  connectWire(url, { token: await issueToken(userId), deviceId: `${userId}-search-oracle` });
