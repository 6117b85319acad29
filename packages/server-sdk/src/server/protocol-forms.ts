import { PROTOCOL_VERSION, type ConversationSummary, type LogEvent, type ServerFrame } from '@parley/protocol';
import { knownEvent, knownEvents, placeholder } from './known-events.js';

/**
 * Each older version's form of a frame, made from the next version's form: protocol 3 from 4,
 * protocol 2 from 3. A client of version N gets the current frame stepped down one version at a
 * time, so each step only knows what its own version changed. The forms are carried in the
 * current frame types (nothing but the socket reads them), hence the casts where a step leaves
 * out a field the current version requires.
 */
type Downgrade = (frame: ServerFrame) => ServerFrame | null;

const mapped = <T>(items: T[], map: (item: T) => T): T[] => {
  const out = items.map(map);
  return out.some((item, i) => item !== items[i]) ? out : items;
};

/**
 * Protocol 7 had no notification settings and no Web Push: `welcome` loses `push`, settings lose
 * `notify`, summaries lose their `notify`, and the answer to `push.register`/`push.unregister`
 * (which protocol 7 never sends) has no form.
 */
function summaryV7(summary: ConversationSummary): ConversationSummary {
  if (summary.notify === undefined) return summary;
  const { notify: _notify, ...rest } = summary;
  return rest;
}

/**
 * Protocol 8 had no message search and no history window around a seq: the answers to `search`
 * and an `aroundSeq` page, which protocol 8 never asks for, have no form (`hasNewer` goes).
 */
function frameV8(frame: ServerFrame): ServerFrame | null {
  switch (frame.type) {
    case 'history.result': {
      if (frame.hasNewer === undefined) return frame;
      const { hasNewer: _hasNewer, ...rest } = frame;
      return rest;
    }
    case 'search.result':
      return null;
    default:
      return frame;
  }
}

function frameV7(frame: ServerFrame): ServerFrame | null {
  switch (frame.type) {
    case 'welcome': {
      if (frame.push === undefined) return frame;
      const { push: _push, ...rest } = frame;
      return rest;
    }
    case 'settings.result': {
      const { notify: _notify, ...settings } = frame.settings;
      return { ...frame, settings: settings as typeof frame.settings };
    }
    case 'conversation': {
      const conversation = summaryV7(frame.conversation);
      return conversation === frame.conversation ? frame : { ...frame, conversation };
    }
    case 'sync.result': {
      const conversations = mapped(frame.conversations, summaryV7);
      return conversations === frame.conversations ? frame : { ...frame, conversations };
    }
    case 'push.result':
      return null;
    default:
      return frame;
  }
}

/**
 * Protocol 6 had no files: a message loses its `attachments`, and one with neither text nor app
 * data left becomes the placeholder (its seq stays, nothing shows; a made-up "[file]" text would
 * be cached as if the sender wrote it). The answers to `upload` and `attachments.urls`, which
 * protocol 6 never sends, have no form.
 */
function eventV6(event: LogEvent): LogEvent {
  if (event.kind !== 'message' || event.data.attachments === undefined) return event;
  const { attachments: _files, ...data } = event.data;
  if (data.text === undefined && data.custom === undefined && !event.state?.deleted) return placeholder(event);
  return { ...event, data };
}

function frameV6(frame: ServerFrame): ServerFrame | null {
  switch (frame.type) {
    case 'event': {
      const event = eventV6(frame.event);
      return event === frame.event ? frame : { ...frame, event };
    }
    case 'sync.result': {
      const events = mapped(frame.events, eventV6);
      return events === frame.events ? frame : { ...frame, events };
    }
    case 'history.result': {
      const events = mapped(frame.events, eventV6);
      return events === frame.events ? frame : { ...frame, events };
    }
    case 'upload.result':
    case 'attachments.urls.result':
      return null;
    default:
      return frame;
  }
}

/**
 * Protocol 5 had no roles beyond the owner, no group details, bans, mutes, blocks, reports or
 * profiles: a `conversation.updated` or `members.role` event becomes the placeholder (its seq
 * stays, nothing shows; the new title reaches a protocol-5 app with its next summary), a removal
 * loses `banned`, summaries lose the new fields, an ACK loses `replaced` (the app keeps showing
 * what it sent until it reloads the message), and the answers to frames protocol 5 never sends
 * (`bans`, `users`, `blocks`, `report`) and the `users.changed` push have no form.
 */
function eventV5(event: LogEvent): LogEvent {
  if (event.kind === 'conversation.updated' || event.kind === 'members.role') return placeholder(event);
  if (event.kind === 'members.removed' && event.data.banned) {
    const { banned: _banned, ...data } = event.data;
    return { ...event, data };
  }
  return event;
}

function summaryV5(summary: ConversationSummary): ConversationSummary {
  const { admins, role, image, description, custom, slowModeMs, mutedUntil, ...rest } = summary;
  const dropped = [admins, role, image, description, custom, slowModeMs, mutedUntil].some((field) => field !== undefined);
  return dropped ? rest : summary;
}

function frameV5(frame: ServerFrame): ServerFrame | null {
  switch (frame.type) {
    case 'event': {
      const event = eventV5(frame.event);
      return event === frame.event ? frame : { ...frame, event };
    }
    case 'sync.result': {
      const events = mapped(frame.events, eventV5);
      const conversations = mapped(frame.conversations, summaryV5);
      return events === frame.events && conversations === frame.conversations ? frame : { ...frame, events, conversations };
    }
    case 'history.result': {
      const events = mapped(frame.events, eventV5);
      return events === frame.events ? frame : { ...frame, events };
    }
    case 'conversation': {
      const conversation = summaryV5(frame.conversation);
      return conversation === frame.conversation ? frame : { ...frame, conversation };
    }
    case 'ack': {
      if (frame.replaced === undefined) return frame;
      const { replaced: _replaced, ...rest } = frame;
      return rest;
    }
    case 'bans.result':
    case 'users.result':
    case 'users.changed':
    case 'blocks.result':
    case 'report.result':
      return null;
    default:
      return frame;
  }
}

/**
 * Protocol 4 had no changes to messages: an edit, a delete or a reaction becomes the placeholder
 * (its seq stays, nothing shows), a message without content too (a tombstone, or an edited
 * message whose original the server erased: a protocol-4 app can show neither), and a message loses its folded `state` and `thread` (a thread reply reads as a
 * message of the main timeline). History pages already carry messages as they are now, so a
 * protocol-4 app scrolling back sees edited text.
 */
function eventV4(event: LogEvent): LogEvent {
  if (event.kind === 'message') {
    // Deleted, or its original content erased after an edit (a protocol-4 app cannot apply edits).
    if (event.state?.deleted || (event.data.text === undefined && event.data.custom === undefined)) return placeholder(event);
    if (event.state === undefined && event.data.thread === undefined) return event;
    const { state: _state, ...rest } = event;
    const { thread: _thread, ...data } = event.data;
    return { ...rest, data };
  }
  if (event.kind === 'message.edited' || event.kind === 'message.deleted' || event.kind === 'reaction.added' || event.kind === 'reaction.removed') {
    return placeholder(event);
  }
  return event;
}

function frameV4(frame: ServerFrame): ServerFrame | null {
  switch (frame.type) {
    case 'event': {
      const event = eventV4(frame.event);
      return event === frame.event ? frame : { ...frame, event };
    }
    case 'sync.result': {
      const events = mapped(frame.events, eventV4);
      return events === frame.events ? frame : { ...frame, events };
    }
    case 'history.result': {
      const { threadId: _thread, ...rest } = frame;
      return { ...rest, events: mapped(frame.events, eventV4) };
    }
    default:
      return frame;
  }
}

/**
 * Protocol 3 messages had text only. A message with text keeps it (app data, mentions and the
 * quote are left out); one without text (app data only) has no form a protocol-3 app can show,
 * so it becomes the placeholder: the seq stays, the log stays contiguous, nothing is shown. A
 * made-up text ("unsupported message") was the alternative: it would be shown and cached as if
 * the sender wrote it, and stay wrong in that cache after the app is updated.
 */
function eventV3(event: LogEvent): LogEvent {
  if (event.kind !== 'message') return event;
  const { text } = event.data;
  if (text === undefined) return placeholder(event);
  return Object.keys(event.data).length === 1 ? event : { ...event, data: { text } };
}

/** Protocol 3 summaries had no `unreadMentions`. */
function summaryV3(summary: ConversationSummary): ConversationSummary {
  const { unreadMentions: _mentions, ...rest } = summary;
  return rest as ConversationSummary;
}

function frameV3(frame: ServerFrame): ServerFrame | null {
  switch (frame.type) {
    case 'event': {
      const event = eventV3(frame.event);
      return event === frame.event ? frame : { ...frame, event };
    }
    case 'conversation':
      return { ...frame, conversation: summaryV3(frame.conversation) };
    case 'sync.result':
      return { ...frame, conversations: frame.conversations.map(summaryV3), events: mapped(frame.events, eventV3) };
    case 'history.result': {
      const events = mapped(frame.events, eventV3);
      return events === frame.events ? frame : { ...frame, events };
    }
    default:
      return frame;
  }
}

/** Protocol 2 had no group owner. */
function summaryV2(summary: ConversationSummary): ConversationSummary {
  if (summary.ownerId === undefined) return summary;
  const { ownerId: _owner, ...rest } = summary;
  return rest;
}

function eventV2(event: LogEvent): LogEvent {
  if (event.kind !== 'members.removed' || event.data.ownerId === undefined) return event;
  return { ...event, data: { userIds: event.data.userIds } };
}

/** A protocol-3 frame in protocol 2: no owners, no list paging cursor, the resync reasons it knew. */
function frameV2(frame: ServerFrame): ServerFrame | null {
  switch (frame.type) {
    case 'event': {
      const event = eventV2(frame.event);
      return event === frame.event ? frame : { ...frame, event };
    }
    case 'conversation': {
      const conversation = summaryV2(frame.conversation);
      return conversation === frame.conversation ? frame : { ...frame, conversation };
    }
    case 'sync.result': {
      const { next: _next, ...rest } = frame;
      return { ...rest, conversations: mapped(frame.conversations, summaryV2), events: mapped(frame.events, eventV2) };
    }
    case 'history.result':
      return { ...frame, events: mapped(frame.events, eventV2) };
    case 'resync':
      return frame.reason === 'push-failed' ? { type: 'resync', reason: 'bus-recovered' } : frame;
    // Answers a `watch` with a reqId, which protocol 2 never sent.
    case 'watch.result':
      return null;
    default:
      return frame;
  }
}

/** Version N's form from version N+1's. A version leaving the window loses its step here. */
const DOWNGRADES: Readonly<Record<number, Downgrade>> = { 8: frameV8, 7: frameV7, 6: frameV6, 5: frameV5, 4: frameV4, 3: frameV3, 2: frameV2 };

/** A frame as one protocol version reads it (null: that version has no form for it). */
export interface VersionForm {
  version: number;
  form: ServerFrame | null;
}

/**
 * A frame's form in every version from the current one down to `oldest`, newest first, made in
 * one pass: each step only knows what its own version changed, and returns the same object when
 * nothing changes (the common case: callers compare forms by identity).
 */
export function formsOf(frame: ServerFrame, oldest: number): VersionForm[] {
  let out: ServerFrame | null = frame;
  // Events a newer node wrote to the shared store reach every client in a form it knows.
  if (out.type === 'event') {
    const event = knownEvent(out.event);
    if (event !== out.event) out = { ...out, event };
  } else if (out.type === 'sync.result' || out.type === 'history.result') {
    const events = knownEvents(out.events);
    if (events !== out.events) out = { ...out, events };
  }
  const forms: VersionForm[] = [{ version: PROTOCOL_VERSION, form: out }];
  for (let step = PROTOCOL_VERSION - 1; step >= oldest; step--) {
    const down = DOWNGRADES[step];
    if (!down) throw new Error(`protocol-forms: no form for protocol ${step}`);
    out = out && down(out);
    forms.push({ version: step, form: out });
  }
  return forms;
}

/** The frame as a client speaking `version` can parse it, or null when that version has no form for it. */
export function frameFor(version: number, frame: ServerFrame): ServerFrame | null {
  return formsOf(frame, Math.min(version, PROTOCOL_VERSION)).at(-1)!.form;
}
