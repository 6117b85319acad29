import type { SettingsFrame, UserSettings } from '@parley/protocol';
import type { StoredUserSettings } from '../../store/types.js';
import type { Connection, ServerContext } from '../context.js';
import { pushToUsers } from '../fanout.js';

/**
 * SETTINGS: read or change the user's privacy settings. The answer goes to the asking connection,
 * the change to the user's other devices; presence subscribers see a presence change at once.
 */
export async function handleSettings(ctx: ServerContext, conn: Connection, frame: SettingsFrame): Promise<void> {
  const patch: Partial<StoredUserSettings> = {};
  if (frame.notify !== undefined) patch.notify = frame.notify;
  if (frame.readReceipts !== undefined) patch.readReceipts = frame.readReceipts;
  if (frame.presence !== undefined) patch.presence = frame.presence;
  if (frame.lastSeen !== undefined) patch.lastSeen = frame.lastSeen;
  if (Object.keys(patch).length === 0) {
    const settings = wireSettings((await ctx.store.getUserSettings([conn.userId])).get(conn.userId)!);
    conn.send({ type: 'settings.result', reqId: frame.reqId, settings });
    return;
  }
  const settings = wireSettings(await ctx.store.updateUserSettings(conn.userId, patch));
  conn.send({ type: 'settings.result', reqId: frame.reqId, settings });
  pushToUsers(ctx, [conn.userId], { type: 'settings.result', settings }, conn.socket.id);
  if (patch.presence !== undefined || patch.lastSeen !== undefined) await ctx.presence.settingsChanged(conn.userId);
}

/** The settings the protocol carries (protocol-forms.ts leaves `notify` out for apps before protocol 8). */
function wireSettings({ readReceipts, presence, lastSeen, notify }: StoredUserSettings): UserSettings {
  return { readReceipts, presence, lastSeen, notify };
}
