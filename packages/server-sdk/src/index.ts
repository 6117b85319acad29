export { createChatServer, type ChatServer, type ChatServerOptions } from './server/create-chat-server.js';
export type { AddMembersRequest, CanAddMembers, CanCreateConversation, MessageOptions } from './server/context.js';
export type { RestHandler } from './server/rest.js';
export type { ChatApi } from './server/server-api.js';
export type { ApiSendInput, ApiChangeInput, ApiWriteResult } from './server/api-messages.js';
export type { ApiGroupInput } from './server/api-conversations.js';
export type { WriteHooks, HookVerdict, BeforeSendRequest, BeforeChangeRequest } from './server/hooks.js';
export type { StoredEventListener } from './server/stored-events.js';
export type { UserDirectory } from './server/profiles.js';
export type { ReportListener, ReportFilter } from './server/reports.js';
export type { RateLimit } from './server/rate-limiter.js';
export { createJwtAuthenticator, type JwtOptions, type JwtAlgorithm } from './auth/jwt.js';
export { createDevAuth, type DevAuth } from './auth/dev-auth.js';
export type { Authenticate, AuthContext, AuthIdentity } from './auth/types.js';
export { createJsonLogger, silentLogger, type Logger, type LogLevel, type LogFields } from './logger.js';
export * from './store/index.js';
export { createMemoryPresenceBackend } from './presence/memory-presence-backend.js';
export type { PresenceBackend, PresenceRecord, AggregatePresence, DeviceStatus } from './presence/presence-backend.js';
export type { PresenceOptions } from './presence/presence-service.js';
export { createChatMetrics, type ChatMetrics, type ChatMetricsOptions } from './metrics/chat-metrics.js';
export type { PromClientRegistry } from './metrics/prom-client-bridge.js';
export type { OpsHandler, Readiness } from './server/ops-handler.js';
export { Registry, Counter, Gauge, Histogram } from './metrics/registry.js';
export { ParleyError, isParleyError, ErrorCode, Limits, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@parley/protocol';
export {
  createWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookEndpoint,
  type WebhookOptions,
} from './server/webhooks.js';
export {
  verifyWebhook,
  WebhookVerificationError,
  type WebhookPayload,
  type WebhookEventPayload,
  type WebhookNoticePayload,
  type WebhookVerifyFailure,
} from './server/webhooks-signature.js';
export { DEFAULT_ATTACHMENT_TYPES, type AttachmentOptions } from './server/attachments.js';
export type { NotificationOptions } from './server/notifications.js';
export type { SearchOptions, SearchRequest, SearchAnswer } from './server/search.js';
export type { SearchIndex, SearchDocument, SearchIndexUpdate, SearchIndexQuery, SearchIndexHit, SearchIndexPage } from './search/types.js';
export { createMemorySearchIndex } from './search/memory-search-index.js';
export type { ParleyNotification } from './server/notification-content.js';
export type { WebPushOptions } from './server/notification-web-push.js';
export type { ChatNotifications } from './server/push-subscriptions.js';
export { createDiskBlobStore, type DiskBlobStore, type DiskBlobStoreOptions } from './blobs/disk-blob-store.js';
export type { BlobStore, BlobUploadSpec, BlobDownloadSpec, BlobStat, PresignedUpload, PresignedDownload } from './blobs/types.js';
