import type { Database } from 'better-sqlite3';
import type { ConversationPatch } from '@parley/protocol';
import type { AppendInput, AppendResult, ChangeInput, ChangeResult, ChatStore, MemberRole, RoleChange } from './types.js';
import { patchedDetails } from './moderation-helpers.js';
import { changeErasure, changeEvent } from './store-helpers.js';
import type { EraseInTx } from './sqlite-lanes.js';
import { toConversation, toMember, type ConversationRow, type MemberRow } from './sqlite-rows.js';

type DetailsMethods = 'updateConversation' | 'setRoles' | 'setMutedUntil' | 'appendChange' | 'finishPendingChanges';

/**
 * The SQLite store's group details, roles and mute (schema 5 columns), and `appendChange`. The
 * patch's fields are fixed columns, each set only when its flag says the patch names it, so one
 * prepared statement serves every patch. `appendInTx` is the store's append and `eraseInTx` its
 * erasure, run inside the caller's transaction.
 */
export function createSqliteDetails(
  db: Database,
  appendInTx: (input: AppendInput) => AppendResult,
  eraseInTx: EraseInTx,
): Pick<ChatStore, DetailsMethods> {
  const sql = {
    update: db.prepare(
      `UPDATE parley_conversations SET
         title = CASE WHEN @setTitle THEN @title ELSE title END,
         image = CASE WHEN @setImage THEN @image ELSE image END,
         description = CASE WHEN @setDescription THEN @description ELSE description END,
         custom = CASE WHEN @setCustom THEN @custom ELSE custom END,
         slow_mode_ms = CASE WHEN @setSlowMode THEN @slowModeMs ELSE slow_mode_ms END
       WHERE id = @id RETURNING *`,
    ),
    setRole: db.prepare<[MemberRole, string, string]>('UPDATE parley_members SET role = ? WHERE conversation_id = ? AND user_id = ?'),
    member: db.prepare<[string, string], MemberRow>('SELECT * FROM parley_members WHERE conversation_id = ? AND user_id = ?'),
    conversation: db.prepare<[string], ConversationRow>('SELECT * FROM parley_conversations WHERE id = ?'),
    mute: db.prepare<[number | null, string, string], MemberRow>(
      'UPDATE parley_members SET muted_until = ? WHERE conversation_id = ? AND user_id = ? RETURNING *',
    ),
  };

  function setRolesInTx(conversationId: string, changes: readonly RoleChange[]) {
    const changed = new Set<string>();
    for (const { userId, role } of changes) if (sql.setRole.run(role, conversationId, userId).changes === 1) changed.add(userId);
    return [...changed].map((userId) => toMember(sql.member.get(conversationId, userId)!));
  }

  function updateInTx(conversationId: string, patch: ConversationPatch) {
    const details = patchedDetails(patch);
    return sql.update.get({
      id: conversationId,
      setTitle: Number('title' in details),
      title: details.title ?? null,
      setImage: Number('image' in details),
      image: details.image ?? null,
      setDescription: Number('description' in details),
      description: details.description ?? null,
      setCustom: Number('custom' in details),
      custom: details.custom ? JSON.stringify(details.custom) : null,
      setSlowMode: Number('slowModeMs' in details),
      slowModeMs: details.slowModeMs ?? null,
    }) as ConversationRow | undefined;
  }

  // One IMMEDIATE transaction: a handover's two changes commit together or not at all, and no
  // reader (in any process) sees a group with two owners or none.
  const setRoles = db.transaction(setRolesInTx);

  // The change and its event in one IMMEDIATE transaction: a crash, or a reader in any process,
  // sees both or neither (a message change's erasure included). The append's dedup comes first:
  // a repeat applies nothing again.
  const appendChange = db.transaction((input: ChangeInput): ChangeResult => {
    const appended = appendInTx(changeEvent(input));
    if (!appended.duplicate) {
      if (input.kind === 'conversation.updated') updateInTx(input.conversationId, input.data);
      if (input.kind === 'members.role') setRolesInTx(input.conversationId, input.data.changes);
      const erasure = changeErasure(input, appended.event);
      if (erasure) eraseInTx(input.conversationId, erasure.messageSeq, erasure.keepEditSeq);
    }
    return { ...appended, conversation: toConversation(sql.conversation.get(input.conversationId)!) };
  });

  return {
    async updateConversation(conversationId, patch) {
      const row = updateInTx(conversationId, patch);
      return row ? toConversation(row) : null;
    },
    async setRoles(conversationId, changes) {
      return setRoles.immediate(conversationId, changes);
    },
    async appendChange(input) {
      return appendChange.immediate(input);
    },
    async finishPendingChanges() {
      return [];
    },
    async setMutedUntil(conversationId, userId, until) {
      const row = sql.mute.get(until, conversationId, userId);
      return row ? toMember(row) : null;
    },
  };
}
