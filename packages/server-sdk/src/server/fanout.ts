import type { Namespace } from 'socket.io';
import { FRAME_EVENT, type ServerFrame } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import type { ChatMetrics } from '../metrics/chat-metrics.js';
import type { ServerContext } from './context.js';

/**
 * Every frame that leaves for connections other than the one being answered goes through this
 * module, and every socket.io room Parley uses is named here: one place to see who hears what.
 */

/** Every connection of a user joins this room on connect. */
export const userRoom = (userId: string): string => `user:${userId}`;
/** The connections that show a conversation right now (WATCH). */
export const watchRoom = (conversationId: string): string => `watch:${conversationId}`;
/** The connections following a user's presence. */
export const presenceRoom = (userId: string): string => `presence:${userId}`;
export const isWatchRoom = (room: string): boolean => room.startsWith('watch:');
export const isPresenceRoom = (room: string): boolean => room.startsWith('presence:');

/** What emitting needs: the namespace, and the fan-out histogram. */
export interface FanoutTarget {
  nsp: Namespace;
  metrics: Pick<ChatMetrics, 'fanout'>;
}

/**
 * The one way frames leave for other connections: to these rooms on every node, minus `except`
 * (socket ids or rooms). `volatile` frames may be dropped under backpressure (typing).
 */
export function emitToRooms(
  target: FanoutTarget,
  rooms: readonly string[],
  frame: ServerFrame,
  options: { except?: readonly string[]; volatile?: boolean } = {},
): void {
  if (rooms.length === 0) return;
  if (frame.type === 'event') target.metrics.fanout.observe(rooms.length);
  let to = target.nsp.to([...rooms]);
  if (options.except && options.except.length > 0) to = to.except([...options.except]);
  (options.volatile ? to.volatile : to).emit(FRAME_EVENT, frame);
}

/** Pushes a frame to every connection of these users, on every node, except `exceptSocketId`. */
export function pushToUsers(target: FanoutTarget, userIds: Iterable<string>, frame: ServerFrame, exceptSocketId?: string): void {
  emitToRooms(target, [...userIds].map(userRoom), frame, exceptSocketId ? { except: [exceptSocketId] } : {});
}

/** Takes every connection in `holders` (rooms) out of `rooms`, on whichever node holds it. */
export function leaveRooms(target: Pick<FanoutTarget, 'nsp'>, holders: readonly string[], rooms: readonly string[]): void {
  if (holders.length === 0 || rooms.length === 0) return;
  target.nsp.in([...holders]).socketsLeave([...rooms]);
}

export interface ConversationPushOptions {
  /** The sending connection (it got its answer already). */
  exceptSocketId?: string;
  /** A user none of whose connections gets it (a typist does not see their own typing). */
  exceptUserId?: string;
  /** Users who get it even above the threshold: the sender's other devices, users a membership change is about. */
  alsoNotify?: readonly string[];
  volatile?: boolean;
}

/**
 * Pushes a frame about a conversation (a log event, typing) live. Conversations up to
 * `fanoutThreshold` members push to every member's connections; larger ones only to the
 * connections watching the conversation, plus `alsoNotify`. Everyone else catches up by seq when
 * they open the conversation: fan-out on read.
 */
export async function pushToConversation(
  ctx: ServerContext,
  conversation: Pick<StoredConversation, 'id' | 'memberCount'>,
  frame: ServerFrame,
  options: ConversationPushOptions = {},
): Promise<void> {
  const except = [
    ...(options.exceptSocketId ? [options.exceptSocketId] : []),
    ...(options.exceptUserId ? [userRoom(options.exceptUserId)] : []),
  ];
  const also = options.alsoNotify ?? [];
  let rooms: string[];
  if (conversation.memberCount <= ctx.fanoutThreshold) {
    const members = await ctx.store.listMembers(conversation.id);
    rooms = [...new Set([...members.map((m) => m.userId), ...also])].map(userRoom);
  } else {
    rooms = [watchRoom(conversation.id), ...also.map(userRoom)];
  }
  emitToRooms(ctx, rooms, frame, { except, ...(options.volatile ? { volatile: true } : {}) });
}
