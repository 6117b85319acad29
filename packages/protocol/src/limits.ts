/**
 * Explicit, documented limits. Servers may lower (never raise) the per-deployment ones through
 * `createChatServer({ limits })`; clients learn the effective values from the `welcome` frame.
 *
 * @example
 * if (text.length > Limits.maxTextLength) throw new Error('too long');
 */
export const Limits = {
  /** Largest accepted frame, in bytes of the socket.io packet that carried it (its JSON plus a few bytes of framing). */
  maxFrameBytes: 64 * 1024,
  /** Longest message text, in UTF-16 code units (what `string.length` counts). */
  maxTextLength: 8000,
  /** Largest `custom` (app data) of a message, in bytes of its JSON. */
  maxCustomBytes: 4096,
  /** Users one message may mention. */
  maxMentions: 50,
  /** Longest reaction key (an emoji sequence or a name such as `thumbs_up`), in UTF-16 code units. */
  maxReactionKeyLength: 64,
  /** Different reactions one user may keep on one message. */
  maxReactionsPerUser: 20,
  /** Different reaction keys one message may carry (from all its reactors together). */
  maxReactionKeysPerMessage: 50,
  /** Longest quote of a replied-to message's text that the server puts in a reply (UTF-16 units). */
  maxReplyPreviewLength: 200,
  /** Longest id (user, conversation, device, request, client message). */
  maxIdLength: 128,
  /** Longest group title. */
  maxTitleLength: 200,
  /** Longest group description. */
  maxDescriptionLength: 1000,
  /** Longest group image URL (`https:` or `http:`). */
  maxImageUrlLength: 2048,
  /** Longest display name in a user profile. */
  maxNameLength: 100,
  /** Longest message search (`search.query`), in UTF-16 code units. */
  maxSearchQueryLength: 256,
  /** Hits in one search page. */
  maxSearchResults: 50,
  /** Longest search cursor (an opaque string the server gives back). */
  maxSearchCursorLength: 512,
  /** Longest snippet of a search hit, in UTF-16 code units (plus an ellipsis at each cut end). */
  maxSnippetLength: 160,
  /** Longest people search (`users.query`). */
  maxUserQueryLength: 100,
  /** Users one person may block. */
  maxBlocks: 1000,
  /** Longest reason a report gives. */
  maxReportReasonLength: 500,
  /** Longest slow mode: one message per member this often, in ms (an hour). */
  maxSlowModeMs: 3_600_000,
  /** Attachments one message may carry. */
  maxAttachmentsPerMessage: 10,
  /** Largest attachment, in bytes (deployments set their own, lower: `createChatServer({ attachments })`). */
  maxAttachmentBytes: 100 * 1024 * 1024,
  /** Longest attachment file name, in UTF-16 code units. */
  maxFileNameLength: 255,
  /** Longest image preview (a `data:image/…;base64,` URL of a tiny thumbnail). */
  maxPreviewLength: 4096,
  /** Attachments one `attachments.urls` request asks download URLs for. */
  maxAttachmentUrlsPerRequest: 50,
  /** Members per conversation. */
  maxMembersPerConversation: 1000,
  /** Conversations a conversation summary lists members for; larger ones carry only a count. */
  maxSummaryMembers: 256,
  /** User ids in one request (group create, members add/remove, presence subscribe). */
  maxUserIdsPerRequest: 100,
  /** Cursors in one sync request. */
  maxCursorsPerSync: 500,
  /** Events in one sync page (across conversations). */
  maxSyncEvents: 500,
  /**
   * Conversation summaries in one sync page (and the largest REST conversation page): a user in
   * thousands of conversations gets them over several pages, each far under `maxFrameBytes`.
   */
  maxSyncSummaries: 100,
  /** Events the server returns for a conversation the client has no cursor for (its tail). */
  syncTailEvents: 50,
  /** Users one connection may follow the presence of. */
  maxPresenceSubscriptions: 1000,
  /** Largest history page. */
  maxPageSize: 200,
  /** History page size when the client names none. */
  defaultPageSize: 50,
} as const;

export type LimitsShape = { readonly [K in keyof typeof Limits]: number };
