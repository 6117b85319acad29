/**
 * @parley/client-sdk/react: React bindings over the framework-neutral Parley client. Every hook
 * reads the client's store through `useSyncExternalStore`, so renders are tear-free, StrictMode
 * safe and server-renderable (the server renders an idle, empty chat).
 *
 * @example
 * import { ParleyProvider, useConversations, useCreateChatClient } from '@parley/client-sdk/react';
 * function App() {
 *   const chat = useCreateChatClient(() => createChatClient({ url, getToken }), []);
 *   return <ParleyProvider client={chat}><Inbox /></ParleyProvider>;
 * }
 */
export { ParleyProvider, useChatClient, type ParleyProviderProps } from './context.js';
export { useChatStore, SERVER_SNAPSHOT } from './use-chat-store.js';
export { useCreateChatClient } from './use-create-chat-client.js';
export { useConversations, useConversation, type ConversationsState } from './use-conversations.js';
export { useMessages, type MessagesState } from './use-messages.js';
export { useTimeline, type TimelineState } from './use-timeline.js';
export { useSendMessage, type SendActions } from './use-send-message.js';
export { useMessageActions, type MessageActions } from './use-message-actions.js';
export { useThread, type ThreadState } from './use-thread.js';
export { useMarkRead } from './use-mark-read.js';
export { useConnection, useCurrentUserId, useOutbox, type OutboxState } from './use-connection.js';
export { useTyping, type TypingState } from './use-typing.js';
export { usePresence, useAwayWhenHidden, type UserPresence } from './use-presence.js';
export { useReceipts, type MemberReceiptStatus } from './use-receipts.js';
export { useUser, useUserSearch, useBlocks, type UserSearchState, type BlocksState } from './use-people.js';
export { useAttachmentUrl, type AttachmentUrlState } from './use-attachment-url.js';
export { useSearch, type SearchState } from './use-search.js';
