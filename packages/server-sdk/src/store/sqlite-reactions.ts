import type { Database } from 'better-sqlite3';
import type { LogEvent, ReactionGroup } from '@parley/protocol';
import type { ChatStore } from './types.js';
import { reactionGroups, reactionRegister, type HeldReaction } from './store-helpers.js';

/** The reactions held on a page's messages: one range of the primary key per message; tests check its plan. */
export const HELD_REACTIONS_SQL = `SELECT message_seq, key, user_id, seq FROM parley_reactions
  WHERE conversation_id = ? AND message_seq IN (SELECT value FROM json_each(?)) AND held = 1`;

/**
 * The SQLite store's reaction index (`parley_reactions`, schema 4): one register per (message,
 * key, user) holding its latest reaction event. `record` runs inside the append's transaction
 * (the group commit's savepoint), so the index is never ahead of or behind the log, and it only
 * moves a register forward by seq, so it is the fold of the log whatever order it is fed in
 * (the migration's backfill relies on that). History reads a page's reactions as one indexed
 * range per message instead of folding every reaction event.
 */
export function createSqliteReactions(db: Database): {
  record(event: LogEvent): void;
  readReactions: ChatStore['readReactions'];
} {
  const sql = {
    upsert: db.prepare<[string, number, string, string, number, number]>(
      `INSERT INTO parley_reactions (conversation_id, message_seq, key, user_id, seq, held) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (conversation_id, message_seq, key, user_id) DO UPDATE SET seq = excluded.seq, held = excluded.held
         WHERE excluded.seq > parley_reactions.seq`,
    ),
    // One statement for the page (json_each, as in sqlite-lanes.ts).
    held: db.prepare<[string, string], { message_seq: number; key: string; user_id: string; seq: number }>(HELD_REACTIONS_SQL),
  };

  return {
    record(event) {
      const register = reactionRegister(event);
      if (register) sql.upsert.run(event.conversationId, register.messageSeq, register.key, register.userId, register.seq, register.held ? 1 : 0);
    },
    async readReactions(conversationId, messageSeqs) {
      const seqs = [...new Set(messageSeqs)].filter((seq) => Number.isSafeInteger(seq) && seq > 0);
      const out = new Map<number, ReactionGroup[]>();
      if (seqs.length === 0) return out;
      const byMessage = new Map<number, HeldReaction[]>();
      for (const row of sql.held.all(conversationId, JSON.stringify(seqs))) {
        const reaction = { key: row.key, userId: row.user_id, seq: row.seq };
        const list = byMessage.get(row.message_seq);
        if (list) list.push(reaction);
        else byMessage.set(row.message_seq, [reaction]);
      }
      for (const [seq, held] of byMessage) out.set(seq, reactionGroups(held));
      return out;
    },
  };
}
