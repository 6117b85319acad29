import { ErrorCode, ParleyError } from '@parley/protocol';
import type { Timers } from '../core/timers.js';
import type { ChatClient } from '../types.js';
import { invoke, NOT_REPEATABLE, type LeaderMethod } from './forwarded-methods.js';
import type { TabMessage } from './tab-messages.js';

type Reply = Extract<TabMessage, { kind: 'reply' }>;
type CallMessage = Extract<TabMessage, { kind: 'call' }>;

interface Call {
  readonly method: LeaderMethod;
  readonly args: readonly unknown[];
  resolve(value: unknown): void;
  reject(error: ParleyError): void;
  timer: unknown;
  /** The leader it was posted to; null when no leader had been heard yet. */
  sentTo: string | null;
}

/** A following tab's calls on the leading tab, kept until answered so a new leader can take them over. */
export interface ForwardedCalls {
  forward(method: LeaderMethod, args: readonly unknown[]): Promise<unknown>;
  settle(reply: Reply): void;
  /** A leader announced itself: it gets every call it was not sent, except those not safe to repeat. */
  leaderChanged(leaderId: string): void;
  /** This tab leads now: its pending calls run here, except those the previous leader may have run. */
  runHere(client: ChatClient): void;
  failAll(error: ParleyError): void;
}

export function createForwardedCalls(options: {
  tabId: string;
  newId(): string;
  post(message: TabMessage): void;
  timers: Timers;
  timeoutMs: number;
}): ForwardedCalls {
  const { timers } = options;
  const calls = new Map<string, Call>();
  let leaderId: string | null = null;

  const take = (id: string): Call | undefined => {
    const call = calls.get(id);
    if (!call) return undefined;
    calls.delete(id);
    timers.clearTimeout(call.timer);
    return call;
  };

  /** Whether the call may have run on a leader that went away without answering. */
  const mayHaveRun = (call: Call) => call.sentTo !== null && NOT_REPEATABLE.has(call.method);
  const lost = () => new ParleyError(ErrorCode.UNAVAILABLE, 'the tab holding the connection went away');

  const post = (id: string, call: Call) => {
    call.sentTo = leaderId;
    options.post({ kind: 'call', from: options.tabId, id, method: call.method, args: call.args });
  };

  return {
    forward(method, args) {
      return new Promise((resolve, reject) => {
        const id = options.newId();
        const timer = timers.setTimeout(() => {
          take(id)?.reject(new ParleyError(ErrorCode.TIMEOUT, `${method} got no answer from the leading tab in time`));
        }, options.timeoutMs);
        const call: Call = { method, args, resolve, reject, timer, sentTo: null };
        calls.set(id, call);
        post(id, call);
      });
    },
    settle(reply) {
      const call = take(reply.id);
      if (!call) return;
      if (reply.ok) call.resolve(reply.value);
      else call.reject(ParleyError.fromWire(reply.error ?? { code: ErrorCode.INTERNAL, message: 'the leading tab failed' }));
    },
    leaderChanged(id) {
      leaderId = id;
      for (const [callId, call] of [...calls]) {
        if (call.sentTo === id) continue;
        // A leader that did get it (posted before this tab heard of it) answers once: it drops repeats by id.
        if (mayHaveRun(call)) take(callId)?.reject(lost());
        else post(callId, call);
      }
    },
    runHere(client) {
      leaderId = null;
      for (const [callId, call] of [...calls]) {
        take(callId);
        if (mayHaveRun(call)) call.reject(lost());
        else invoke(client, call.method, call.args).then(call.resolve, (err: unknown) => call.reject(ParleyError.from(err)));
      }
    },
    failAll(error) {
      for (const id of [...calls.keys()]) take(id)?.reject(error);
    },
  };
}

/**
 * The leading tab's side: runs each call another tab forwarded and posts the answer back. A call
 * re-sent after a leader change may reach a leader that already has it: it runs once.
 */
export function createCallAnswerer(options: { tabId: string; post(message: TabMessage): void }): (client: ChatClient, message: CallMessage) => void {
  const answered = new Set<string>();
  return (client, message) => {
    const key = `${message.from}:${message.id}`;
    if (answered.has(key)) return;
    answered.add(key);
    // Remembers the recent ones: a repeat comes right after a leader change, never much later.
    if (answered.size > 1_000) answered.delete(answered.values().next().value ?? key);
    const reply = (result: { ok: true; value: unknown } | { ok: false; error: { code: number; message: string } }) =>
      options.post({ kind: 'reply', from: options.tabId, to: message.from, id: message.id, ...result });
    invoke(client, message.method, message.args).then(
      (value) => reply({ ok: true, value }),
      (err: unknown) => {
        const error = ParleyError.from(err);
        reply({ ok: false, error: { code: error.code, message: error.message } });
      },
    );
  };
}
