/**
 * @parley/client-sdk: the framework-neutral Parley client.
 *
 * @example
 * import { createChatClient } from '@parley/client-sdk';
 * const chat = createChatClient({ url: 'http://localhost:8080', getToken: async () => token });
 * chat.subscribe(() => console.log(chat.getSnapshot().conversations));
 */
export { createChatClient } from './create-chat-client.js';
export { createMemoryStorage } from './storage/memory-storage.js';
export { uuidv7 } from './ids/uuidv7.js';
export { fullJitterDelay, type BackoffOptions } from './state/backoff.js';
export type { ClientFileStore, ClientStorage, OutboxAttachment, OutboxEntry, QueuedChange } from './storage/client-storage.js';
export type { FileDescription, FileInput } from './files/file-input.js';
export type { FileUpload, FileUploader } from './files/put-file.js';
export type { TabChannel, TabEnvironment, TabLocks, TabsOption } from './tabs/tab-environment.js';
export type {
  AttachmentView,
  AuthErrorActions,
  ChatClient,
  ChatClientOptions,
  ChatEvents,
  ChatSnapshot,
  ConnectionState,
  ConnectionStatus,
  ConversationView,
  FailedChange,
  LoadAroundResult,
  LoadOlderResult,
  Logger,
  MessageView,
  MessageContent,
  ReactionView,
  RemoveMembersOptions,
  ReplyView,
  SearchHitView,
  SearchOptions,
  SearchResults,
  SendContent,
  SendOptions,
  SystemItem,
  TimelineItem,
  TimelineWindowView,
  UploadProgress,
} from './types.js';
export type { ReceiptStatus, MemberReceiptStatus } from './state/receipts.js';
export {
  ParleyError,
  isParleyError,
  ErrorCode,
  isUnread,
  isUnreadMention,
  countUnread,
  type ConversationSummary,
  type LogEvent,
  type MemberReceipt,
  type UserPresence,
  type UserSettings,
  type UserProfile,
  type MemberRole,
  type ConversationPatch,
  type RoleChange,
  type Attachment,
} from '@parley/protocol';
