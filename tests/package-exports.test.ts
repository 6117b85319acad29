import { describe, expect, it } from 'vitest';

/**
 * What each published entry exports at runtime, pinned: adding or removing a public export is a
 * decision (an API change, noted in the docs), never a side effect of exporting an internal
 * helper. (The testing entry is the conformance kit's; its exports are pinned by its docs.)
 */
const PUBLIC: Record<string, string[]> = {
  '@parley/protocol': [
    'AckFrame', 'ClientFrame', 'ClientMsgId', 'ConversationCreatedEvent', 'ConversationCursor', 'ConversationFrame',
    'ConversationKind', 'ConversationSummary', 'CustomData', 'DirectOpenFrame', 'ErrorCode', 'ErrorFrame',
    'EventFrame', 'FRAME_EVENT', 'GroupCreateFrame', 'HandshakeAuth', 'HistoryFrame', 'HistoryResultFrame',
    'Id', 'Limits', 'LogEvent', 'MemberReceipt', 'MembersAddFrame', 'MembersAddedEvent',
    'MembersRemoveFrame', 'MembersRemovedEvent', 'MentionList', 'MessageData', 'MessageEvent', 'NackFrame',
    'OLDEST_PROTOCOL_VERSION', 'PROTOCOL_VERSION', 'ParleyError', 'PresenceFrame', 'PresenceResultFrame', 'PresenceSetFrame',
    'PresenceStatus', 'PresenceSubscribeFrame', 'PresenceUnsubscribeFrame', 'ReceiptFrame', 'ReceiptUpdateFrame', 'ReplyRef',
    'ResyncFrame', 'SendData', 'SendFrame', 'Seq', 'ServerFrame', 'SettingsFrame',
    'SettingsResultFrame', 'SyncFrame', 'SyncResultFrame', 'Text', 'Timestamp', 'Title',
    'TypingFrame', 'TypingUpdateFrame', 'UserIdList', 'UserPresence', 'UserSettings', 'WatchFrame',
    'WatchResultFrame', 'WelcomeFrame', 'WellFormedString', 'countUnread', 'errorCodeName', 'isParleyError',
    'isRetryable', 'isUnread', 'isUnreadMention', 'isWellFormedText', 'parseClientFrame', 'parseServerFrame',
    'peekString', 'receiptsMark', 'replyPreview',
    // Protocol 5: the message model.
    'Change', 'ChangeFrame', 'ChangeTarget', 'EditData', 'MessageDeletedEvent', 'MessageEditedEvent', 'MessageRef',
    'MessageState', 'ReactionAddedEvent', 'ReactionGroup', 'ReactionKey', 'ReactionRemovedEvent', 'erasedByDelete',
    'foldIntoMessage', 'foldTarget', 'isChange', 'laneOf', 'messageAsOf', 'reactionsOf', 'stateSeq',
    // Protocol 6: roles, group details, moderation, blocks, profiles.
    'BansFrame', 'BansResultFrame', 'BlocksFrame', 'BlocksResultFrame', 'ConversationPatch', 'ConversationUpdateFrame',
    'ConversationUpdatedEvent', 'Description', 'ImageUrl', 'MemberRole', 'MembersRoleEvent', 'MembersRoleFrame', 'MuteFrame',
    'ReportFrame', 'ReportResultFrame', 'RoleChange', 'UserProfile', 'UsersChangedFrame', 'UsersFrame', 'UsersResultFrame',
    // Protocol 7: files.
    'Attachment', 'AttachmentIdList', 'AttachmentList', 'AttachmentSpec', 'AttachmentUrl', 'AttachmentUrlsFrame', 'AttachmentUrlsResultFrame',
    'FileName', 'ImagePreview', 'MimeType', 'UploadFrame', 'UploadResultFrame', 'UploadTarget',
    // Protocol 8: notifications.
    'NotifyFrame', 'NotifyLevel', 'PushRegisterFrame', 'PushResultFrame', 'PushSubscription', 'PushUnregisterFrame',
    // Protocol 9: message search, one matching rule for the server and the device.
    'SearchFrame', 'SearchHighlight', 'SearchHit', 'SearchOrder', 'SearchResultFrame',
    'matchSearch', 'messageSearchText', 'parseSearchQuery', 'searchScore', 'searchSnippet', 'searchTokenText', 'searchTokens',
  ],
  '@parley/client-sdk': [
    'ErrorCode', 'ParleyError', 'countUnread', 'createChatClient', 'createMemoryStorage', 'fullJitterDelay',
    'isParleyError', 'isUnread', 'isUnreadMention', 'uuidv7',
  ],
  '@parley/client-sdk/react': [
    'ParleyProvider', 'SERVER_SNAPSHOT', 'useAwayWhenHidden', 'useChatClient', 'useChatStore', 'useConnection',
    'useConversation', 'useConversations', 'useCreateChatClient', 'useCurrentUserId', 'useMarkRead', 'useMessageActions', 'useMessages',
    'useOutbox', 'usePresence', 'useReceipts', 'useSendMessage', 'useThread', 'useTimeline', 'useTyping',
    'useBlocks', 'useUser', 'useUserSearch',
    'useAttachmentUrl',
    'useSearch',
  ],
  '@parley/client-sdk/indexeddb': [
    'SCHEMA_VERSION', 'createIndexedDbStorage',
  ],
  '@parley/client-sdk/node': [
    'createFileStorage', 'fileFromPath',
  ],
  '@parley/server-sdk': [
    'Counter', 'DEFAULT_USER_SETTINGS', 'ErrorCode', 'Gauge', 'Histogram', 'Limits',
    'OLDEST_PROTOCOL_VERSION', 'PROTOCOL_VERSION', 'ParleyError', 'Registry', 'createChatMetrics', 'createChatServer', 'createDevAuth',
    'StoreVersionError', 'createJsonLogger', 'createJwtAuthenticator', 'createMemoryPresenceBackend', 'createMemoryStore', 'isParleyError', 'silentLogger',
    // Webhooks: a dispatcher of your own, and the check a receiver runs.
    'WebhookVerificationError', 'createWebhookDispatcher', 'verifyWebhook',
    // Files: the embedded blob store and the default accepted types.
    'DEFAULT_ATTACHMENT_TYPES', 'createDiskBlobStore',
    // Search: the in-memory index (the reference for your own).
    'createMemorySearchIndex',
  ],
  '@parley/server-sdk/s3': [
    'createS3BlobStore',
  ],
  '@parley/server-sdk/sqlite': [
    'SQLITE_SCHEMA_VERSION', 'createSqliteSearchIndex', 'createSqliteStore', 'migrateSqlite',
  ],
  '@parley/server-sdk/mongodb': [
    'createMongoSearchIndex', 'createMongoStore',
  ],
  '@parley/server-sdk/redis': [
    'redisScaleOut',
  ],
};

describe('package entries', () => {
  it.each(Object.keys(PUBLIC))('%s exports exactly its public API', async (entry) => {
    const module = (await import(entry)) as Record<string, unknown>;
    expect(Object.keys(module).sort()).toEqual([...PUBLIC[entry]!].sort());
  });
});
