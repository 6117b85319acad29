import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { ErrorCode, Id, ParleyError, SearchFrame, errorCodeName } from '@parley/protocol';
import type { Authenticate } from '../auth/types.js';
import type { ServerContext } from './context.js';
import { requireMembership } from './context.js';
import { listConversations } from './rest-conversations.js';
import { lanePage } from './message-pages.js';
import { threadRoot } from './handlers/history.js';
import { parse } from './api-messages.js';

/** A search's fields, as the socket's `search` frame takes them. */
const SearchRequestSchema = v.omit(SearchFrame, ['type', 'reqId']);

/** Node/Express-style middleware: handles its routes, passes everything else to `next` (or 404s). */
export type RestHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

const MESSAGES_ROUTE = /^\/conversations\/([^/]+)\/messages\/?$/;
const SEARCH_ROUTE = /^\/search\/?$/;
const TimeParam = v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number));
const SeqParam = v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number));

/**
 * The history API, with the same authentication as the socket:
 * - `GET /conversations?limit=N&cursor=C`: one page of the caller's conversations, newest activity
 *   first, with the cursor of the next page.
 * - `GET /conversations/:id/messages?before=SEQ|after=SEQ&limit=N`: one page of the log, ascending,
 *   with the cursor of the next page. Default: the newest page.
 * - `GET /search?q=TEXT&conversation=ID&sender=ID&before=MS&after=MS&order=newest|relevance&limit=N&cursor=C`:
 *   one page of the caller's message search (`search` over the socket), with the cursor of the next.
 */
export function createRestHandler(ctx: ServerContext, authenticate: Authenticate): RestHandler {
  return (req, res, next) => {
    const url = parseUrl(req.url ?? '/');
    if (!url) return sendJson(res, 400, MALFORMED);
    const match = MESSAGES_ROUTE.exec(url.pathname);
    const isList = url.pathname === '/conversations' || url.pathname === '/conversations/';
    const isSearch = SEARCH_ROUTE.test(url.pathname);
    if (!match && !isList && !isSearch) {
      if (next) return next();
      return sendJson(res, 404, { error: { code: ErrorCode.NOT_FOUND, name: 'NOT_FOUND', message: 'no such route' } });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: { code: ErrorCode.BAD_FRAME, name: 'BAD_FRAME', message: 'method not allowed' } });
    }
    const conversationId = match ? decodeSegment(match[1]!) : null;
    if (conversationId === undefined) return sendJson(res, 400, MALFORMED);
    (isSearch ? serveSearch(req, url) : serve(req, url, conversationId))
      .then((body) => sendJson(res, 200, body))
      .catch((err: unknown) => {
        const error = ParleyError.from(err);
        if (error.code >= 5000) ctx.logger.error('rest request failed', { path: url.pathname, err });
        sendJson(res, httpStatus(error.code), {
          error: { code: error.code, name: errorCodeName(error.code), message: error.message },
        });
      });
  };

  async function serve(req: IncomingMessage, url: URL, conversationId: string | null): Promise<unknown> {
    const userId = await authenticateRequest(req);
    if (conversationId === null) return listConversations(ctx, userId, url);
    if (!v.is(Id, conversationId)) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
    const { conversation } = await requireMembership(ctx, conversationId, userId);
    const before = param(url, 'before');
    const after = param(url, 'after');
    if (before !== undefined && after !== undefined) throw new ParleyError(ErrorCode.BAD_FRAME, 'use before or after, not both');
    const limit = Math.min(Math.max(param(url, 'limit') ?? ctx.limits.defaultPageSize, 1), ctx.limits.maxPageSize);
    if (after !== undefined) {
      const events = await ctx.store.readAfter(conversationId, after, limit);
      const last = events.at(-1)?.seq ?? after;
      const hasMore = last < conversation.lastSeq;
      return { conversationId, events, hasMore, next: hasMore ? { after: last } : null };
    }
    // A page of the main timeline (or of one thread), messages as they are now, like `history`.
    const thread = url.searchParams.get('thread');
    if (thread !== null && !v.is(Id, thread)) throw new ParleyError(ErrorCode.NOT_FOUND, 'no such thread in this conversation');
    const lane = thread === null ? 0 : -(await threadRoot(ctx.store, conversationId, thread)).seq;
    const page = await lanePage(ctx.store, ctx.logger, conversationId, lane, before ?? conversation.lastSeq + 1, limit + 1, conversation.lastSeq);
    const events = page.length > limit ? page.slice(1) : page;
    const hasMore = page.length > limit;
    return { conversationId, events, hasMore, next: hasMore ? { before: events[0]!.seq } : null };
  }

  async function serveSearch(req: IncomingMessage, url: URL): Promise<unknown> {
    const userId = await authenticateRequest(req);
    if (!ctx.search) throw new ParleyError(ErrorCode.FORBIDDEN, 'this server does not search messages');
    const text = (name: string) => url.searchParams.get(name) ?? undefined;
    const number = (name: string) => {
      const raw = url.searchParams.get(name);
      if (raw === null) return undefined;
      const parsed = v.safeParse(TimeParam, raw);
      if (!parsed.success) throw new ParleyError(ErrorCode.BAD_FRAME, `${name}: a whole number`);
      return parsed.output;
    };
    const request = {
      query: text('q'),
      conversationId: text('conversation'),
      senderId: text('sender'),
      before: number('before'),
      after: number('after'),
      order: text('order'),
      limit: number('limit'),
      cursor: text('cursor'),
    };
    return ctx.search.search(userId, parse(SearchRequestSchema, Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined)), 'search'));
  }

  async function authenticateRequest(req: IncomingMessage): Promise<string> {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    if (!token) throw new ParleyError(ErrorCode.UNAUTHORIZED, 'missing bearer token');
    const identity = await authenticate(token, {
      deviceId: null,
      headers: req.headers,
      address: req.socket.remoteAddress,
    }).catch((err: unknown) => {
      throw new ParleyError(ErrorCode.UNAUTHORIZED, 'invalid token', { cause: err });
    });
    if (!identity) throw new ParleyError(ErrorCode.UNAUTHORIZED, 'invalid token');
    return identity.userId;
  }
}

const MALFORMED = { error: { code: ErrorCode.BAD_FRAME, name: 'BAD_FRAME', message: 'malformed URL or percent-encoding' } };

/**
 * The request target as a URL, or null. A handler must never throw on what a client sent: an
 * exception here is uncaught (it runs in the server's 'request' listener) and ends the process.
 */
function parseUrl(target: string): URL | null {
  try {
    // An origin-form target is a path: `//x/conversations` must not turn `x` into a host.
    return target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target, 'http://localhost');
  } catch {
    return null;
  }
}

/** A decoded path segment, or undefined when its percent-encoding is malformed (`%`, `%zz`, cut UTF-8). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function param(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const parsed = v.safeParse(SeqParam, raw);
  if (!parsed.success) throw new ParleyError(ErrorCode.BAD_FRAME, `${name} must be a non-negative integer`);
  return parsed.output;
}

function httpStatus(code: number): number {
  if (code === ErrorCode.UNAUTHORIZED) return 401;
  if (code === ErrorCode.FORBIDDEN) return 403;
  if (code === ErrorCode.NOT_FOUND) return 404;
  if (code === ErrorCode.RATE_LIMITED) return 429;
  if (code === ErrorCode.UNAVAILABLE) return 503;
  if (code >= 5000) return 500;
  return 400;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}
