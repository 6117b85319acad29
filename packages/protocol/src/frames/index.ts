import * as v from 'valibot';
import { ChangeFrame, SendFrame } from './send.js';
import { AckFrame } from './ack.js';
import { NackFrame } from './nack.js';
import { EventFrame } from './event.js';
import { WelcomeFrame } from './welcome.js';
import { SyncFrame, SyncResultFrame } from './sync.js';
import { HistoryFrame, HistoryResultFrame } from './history.js';
import {
  ConversationFrame,
  DirectOpenFrame,
  GroupCreateFrame,
  MembersAddFrame,
  MembersRemoveFrame,
  MembersRoleFrame,
  ConversationUpdateFrame,
  MuteFrame,
  BansFrame,
  BansResultFrame,
} from './conversation.js';
import { ErrorFrame } from './error.js';
import { BlocksFrame, BlocksResultFrame, ReportFrame, ReportResultFrame, UsersChangedFrame, UsersFrame, UsersResultFrame } from './users.js';
import { ReceiptFrame, ReceiptUpdateFrame } from './receipt.js';
import { TypingFrame, TypingUpdateFrame } from './typing.js';
import {
  PresenceFrame,
  PresenceResultFrame,
  PresenceSetFrame,
  PresenceSubscribeFrame,
  PresenceUnsubscribeFrame,
} from './presence.js';
import { SettingsFrame, SettingsResultFrame } from './settings.js';
import { ResyncFrame } from './resync.js';
import { WatchFrame, WatchResultFrame } from './watch.js';
import { AttachmentUrlsFrame, AttachmentUrlsResultFrame, UploadFrame, UploadResultFrame } from './upload.js';
import { NotifyFrame, PushRegisterFrame, PushResultFrame, PushUnregisterFrame } from './push.js';
import { SearchFrame, SearchResultFrame } from './search.js';

export * from './send.js';
export * from './ack.js';
export * from './nack.js';
export * from './event.js';
export * from './welcome.js';
export * from './sync.js';
export * from './history.js';
export * from './conversation.js';
export * from './error.js';
export * from './receipt.js';
export * from './typing.js';
export * from './presence.js';
export * from './settings.js';
export * from './resync.js';
export * from './watch.js';
export * from './users.js';
export * from './upload.js';
export * from './push.js';
export * from './search.js';

/** Every frame a client may send. */
export const ClientFrame = v.variant('type', [
  SyncFrame,
  SendFrame,
  ChangeFrame,
  HistoryFrame,
  DirectOpenFrame,
  GroupCreateFrame,
  MembersAddFrame,
  MembersRemoveFrame,
  MembersRoleFrame,
  ConversationUpdateFrame,
  MuteFrame,
  BansFrame,
  UsersFrame,
  BlocksFrame,
  ReportFrame,
  ReceiptFrame,
  TypingFrame,
  PresenceSubscribeFrame,
  PresenceUnsubscribeFrame,
  PresenceSetFrame,
  SettingsFrame,
  WatchFrame,
  UploadFrame,
  AttachmentUrlsFrame,
  PushRegisterFrame,
  PushUnregisterFrame,
  NotifyFrame,
  SearchFrame,
]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];

/** Every frame a server may send. */
export const ServerFrame = v.variant('type', [
  WelcomeFrame,
  AckFrame,
  NackFrame,
  EventFrame,
  SyncResultFrame,
  HistoryResultFrame,
  ConversationFrame,
  ErrorFrame,
  ReceiptUpdateFrame,
  TypingUpdateFrame,
  PresenceFrame,
  PresenceResultFrame,
  SettingsResultFrame,
  ResyncFrame,
  WatchResultFrame,
  BansResultFrame,
  UsersResultFrame,
  UsersChangedFrame,
  BlocksResultFrame,
  ReportResultFrame,
  UploadResultFrame,
  AttachmentUrlsResultFrame,
  PushResultFrame,
  SearchResultFrame,
]);
export type ServerFrame = v.InferOutput<typeof ServerFrame>;
export type ServerFrameType = ServerFrame['type'];
