import { ErrorCode, Limits, ParleyError, type AttachmentUrlsResultFrame, type ServerFrame } from '@parley/protocol';
import type { RequestFrame } from './server-requests.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
const isId = (value: unknown): value is string => typeof value === 'string' && value.length <= Limits.maxIdLength && ID.test(value);

/** A URL is used until this long before it expires (or a quarter of what is left, if less)… */
const REFRESH_MARGIN_MS = 60_000;
/** …and never longer than this: a client clock behind the server's must not keep a dead URL. */
const MAX_CACHE_MS = 5 * 60_000;
const MAX_CACHED = 1_000;

interface Waiter {
  resolve(url: string): void;
  reject(error: ParleyError): void;
}

export interface AttachmentUrlsOptions {
  request(frame: RequestFrame, answer: ServerFrame['type']): Promise<ServerFrame>;
  newId(): string;
  now(): number;
  /** The server's announced cap on ids per request (`maxAttachmentUrlsPerRequest`). */
  maxPerRequest(): number;
  /** A URL as the app uses it: a path resolved against the chat server's URL. */
  resolveUrl(url: string): string;
}

/**
 * Download URLs for attachments: every id asked within one tick goes in one `attachments.urls`
 * request per conversation (split at the server's cap), and each URL is reused until shortly
 * before it expires. An id the server leaves out (not a member, no such file, a deleted
 * message's) rejects with NOT_FOUND.
 */
export function createAttachmentUrls(options: AttachmentUrlsOptions) {
  const cache = new Map<string, { url: string; refreshAt: number }>();
  /** Ids to ask for, by conversation, with who waits for each. */
  let queued = new Map<string, Map<string, Waiter[]>>();

  const keyOf = (conversationId: string, attachmentId: string) => `${conversationId}\n${attachmentId}`;

  function remember(conversationId: string, attachmentId: string, url: string, expiresAt: number): void {
    const now = options.now();
    const left = expiresAt - now;
    const refreshAt = now + Math.min(MAX_CACHE_MS, left - Math.min(REFRESH_MARGIN_MS, left / 4));
    const key = keyOf(conversationId, attachmentId);
    cache.delete(key);
    cache.set(key, { url, refreshAt });
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value ?? key);
  }

  async function ask(conversationId: string, batch: Map<string, Waiter[]>): Promise<void> {
    const ids = [...batch.keys()];
    let reply: AttachmentUrlsResultFrame;
    try {
      reply = (await options.request({ type: 'attachments.urls', reqId: options.newId(), conversationId, attachmentIds: ids }, 'attachments.urls.result')) as AttachmentUrlsResultFrame;
    } catch (err) {
      const error = ParleyError.from(err);
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
      return;
    }
    const urls = new Map(reply.urls.map((u) => [u.attachmentId, u]));
    for (const [id, waiters] of batch) {
      const found = urls.get(id);
      if (!found) {
        for (const w of waiters) w.reject(new ParleyError(ErrorCode.NOT_FOUND, `attachment ${id} not found`));
        continue;
      }
      let url: string;
      try {
        url = options.resolveUrl(found.url);
      } catch (err) {
        for (const w of waiters) w.reject(ParleyError.from(err));
        continue;
      }
      remember(conversationId, id, url, found.expiresAt);
      for (const w of waiters) w.resolve(url);
    }
  }

  function flush(): void {
    const batches = queued;
    queued = new Map();
    const max = Math.max(1, Math.min(options.maxPerRequest(), Limits.maxAttachmentUrlsPerRequest));
    for (const [conversationId, waiting] of batches) {
      const entries = [...waiting];
      for (let i = 0; i < entries.length; i += max) void ask(conversationId, new Map(entries.slice(i, i + max)));
    }
  }

  return {
    get(conversationId: string, attachmentId: string): Promise<string> {
      if (!isId(conversationId)) return Promise.reject(new ParleyError(ErrorCode.BAD_FRAME, "That conversation id isn't valid"));
      if (!isId(attachmentId)) return Promise.reject(new ParleyError(ErrorCode.BAD_FRAME, "That attachment id isn't valid"));
      const hit = cache.get(keyOf(conversationId, attachmentId));
      if (hit && options.now() < hit.refreshAt) return Promise.resolve(hit.url);
      return new Promise<string>((resolve, reject) => {
        if (queued.size === 0) queueMicrotask(flush);
        let waiting = queued.get(conversationId);
        if (!waiting) queued.set(conversationId, (waiting = new Map()));
        const waiters = waiting.get(attachmentId);
        if (waiters) waiters.push({ resolve, reject });
        else waiting.set(attachmentId, [{ resolve, reject }]);
      });
    },
    /** Signed out or closed: no URL outlives the session. */
    clear(): void {
      cache.clear();
    },
  };
}

export type AttachmentUrls = ReturnType<typeof createAttachmentUrls>;
