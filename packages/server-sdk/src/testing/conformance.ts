import { afterEach, beforeEach, describe, it } from 'vitest';
import { appendTests } from './conformance-append.js';
import { changeChecks } from './conformance-changes.js';
import { changeErasureChecks } from './conformance-change-erasure.js';
import { contentChecks } from './conformance-content.js';
import { conversationTests } from './conformance-conversations.js';
import { erasureChecks } from './conformance-erasure.js';
import { foreignEventTests } from './conformance-foreign-events.js';
import { groupChecks } from './conformance-groups.js';
import { memberTests } from './conformance-members.js';
import { mentionChecks } from './conformance-mentions.js';
import { moderationChecks } from './conformance-moderation.js';
import { attachmentChecks } from './conformance-attachments.js';
import { membershipPageTests } from './conformance-membership-pages.js';
import { editedThenDeletedCheck, reactionChecks } from './conformance-reactions.js';
import { readTests } from './conformance-reads.js';
import { receiptsPrivacyTests } from './conformance-receipts-privacy.js';
import { webhookChecks } from './conformance-webhooks.js';
import { notificationChecks } from './conformance-notifications.js';
import type { ConformanceOptions, MakeStore, StoreContext } from './fixtures.js';

/**
 * Registers Parley's storage conformance suite (vitest `describe`/`it`) for one store. Every
 * adapter, bundled or custom, must pass it: it checks each promise of the `ChatStore` contract,
 * seq allocation under concurrency and dedup included. `makeStore` is called before every test
 * and must return an empty store; `cleanup` (if any) runs after `store.close()`;
 * `writeForeignEvent` writes an event as a newer Parley release would (see `WriteForeignEvent`).
 *
 * @example
 * // my-store.test.ts
 * import { runStoreConformance } from '@parley/server-sdk/testing';
 * import { createMyStore } from './my-store.js';
 *
 * runStoreConformance('my store', async () => {
 *   const store = await createMyStore({ url: process.env.MY_DB_URL });
 *   return { store, cleanup: () => dropTestDatabase() };
 * });
 */
export function runStoreConformance(name: string, makeStore: MakeStore, options: ConformanceOptions = {}): void {
  const resolved: Required<ConformanceOptions> = {
    concurrentAppends: Math.max(50, options.concurrentAppends ?? 60),
    timeoutMs: options.timeoutMs ?? 30_000,
  };
  let current: Awaited<ReturnType<MakeStore>> | undefined;
  const ctx: StoreContext = {
    get store() {
      if (!current) throw new Error('no store: the conformance suite makes one before each test');
      return current.store;
    },
    get writeForeignEvent() {
      return current?.writeForeignEvent;
    },
  };

  describe(`${name}: ChatStore conformance`, { timeout: resolved.timeoutMs }, () => {
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      const done = current;
      current = undefined;
      if (!done) return;
      await done.store.close();
      await done.cleanup?.();
    });

    conversationTests(ctx);
    appendTests(ctx, resolved);
    readTests(ctx);
    memberTests(ctx);
    membershipPageTests(ctx);
    receiptsPrivacyTests(ctx);
    foreignEventTests(ctx);
    describe('message content', () => {
      for (const check of [...contentChecks, ...mentionChecks]) it(check.name, () => check.run(ctx.store));
    });
    describe('message changes, threads and erasure', () => {
      for (const check of [...changeChecks, ...erasureChecks, ...changeErasureChecks, ...reactionChecks, editedThenDeletedCheck]) it(check.name, () => check.run(ctx.store));
    });
    describe('webhook delivery queue', () => {
      for (const check of webhookChecks) it(check.name, () => check.run(ctx.store));
    });
    describe('group details, roles and mute', () => {
      for (const check of groupChecks) it(check.name, () => check.run(ctx.store));
    });
    describe('blocks, bans and reports', () => {
      for (const check of moderationChecks) it(check.name, () => check.run(ctx.store));
    });
    describe('attachment upload records', () => {
      for (const check of attachmentChecks) it(check.name, () => check.run(ctx.store));
    });
    describe('notification queue, push subscriptions and notify settings', () => {
      for (const check of notificationChecks) it(check.name, () => check.run(ctx.store));
    });
  });
}
