import type { MessageView } from '@parley/client-sdk';
import type { MessageActions } from '@parley/client-sdk/react';
import type { BubbleHandlers } from './message-toolbar.js';
import { isDeletable, isEditable, isReportable } from './message-rules.js';

interface HandlerContext {
  me: string;
  /** The user owns this group or is an admin of it: they may delete anyone's message. */
  moderator: boolean;
  /** `useMessageActions` of the conversation: refusals land in its `error`. */
  actions: MessageActions;
  /** Quote it in a reply (the main timeline only). */
  reply?: (message: MessageView) => void;
  /** Open its thread (top-level messages only). */
  openThread?: (message: MessageView) => void;
  edit: (message: MessageView) => void;
  /** Ask before deleting. */
  askDelete: (message: MessageView) => void;
  /** Ask for a reason, then report. */
  askReport: (message: MessageView) => void;
}

/** The actions one message offers the user, by what the server would allow. */
export function handlersFor(message: MessageView, ctx: HandlerContext): BubbleHandlers {
  const { me, moderator, actions, reply, openThread, edit, askDelete, askReport } = ctx;
  // Replies and threads name a stored message; a failed one has nothing to react to.
  const stored = message.id !== undefined;
  return {
    ...(reply && stored ? { reply: () => reply(message) } : {}),
    ...(openThread && stored && message.threadId === undefined ? { thread: () => openThread(message) } : {}),
    // A refusal before queueing (the reaction cap) shows in `actions.error`.
    ...(message.status !== 'failed' ? { react: (key: string) => void actions.toggleReaction(message, key).catch(() => undefined) } : {}),
    ...(isEditable(message, me) ? { edit: () => edit(message) } : {}),
    ...(isDeletable(message, me, moderator) ? { remove: () => askDelete(message) } : {}),
    ...(isReportable(message, me) ? { report: () => askReport(message) } : {}),
  };
}
