import * as v from 'valibot';
import { Id } from '../primitives.js';
import { NotifyLevel } from './push.js';

/** A user's privacy and notification settings, kept by the server for all their devices. */
export const UserSettings = v.strictObject({
  /** Others see how far this user read (default true). */
  readReceipts: v.boolean(),
  /** Others see this user's online/away status (default true); hidden users appear offline. */
  presence: v.boolean(),
  /** Others see when this user was last online (default true). */
  lastSeen: v.boolean(),
  /** What this user is notified of when away: `all` (default), `mentions` or `none` (per conversation: `notify`). */
  notify: NotifyLevel,
});
export type UserSettings = v.InferOutput<typeof UserSettings>;

/** SETTINGS (client → server): change some settings; with no field, only read them. */
export const SettingsFrame = v.strictObject({
  type: v.literal('settings'),
  reqId: Id,
  readReceipts: v.optional(v.boolean()),
  presence: v.optional(v.boolean()),
  lastSeen: v.optional(v.boolean()),
  notify: v.optional(NotifyLevel),
});
export type SettingsFrame = v.InferOutput<typeof SettingsFrame>;

/**
 * SETTINGS result (server → client): the answer (with `reqId`), or a push to the user's other
 * devices when the settings changed (without).
 */
export const SettingsResultFrame = v.strictObject({
  type: v.literal('settings.result'),
  reqId: v.optional(Id),
  settings: UserSettings,
});
export type SettingsResultFrame = v.InferOutput<typeof SettingsResultFrame>;
