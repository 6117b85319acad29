import { describe, expect, it } from 'vitest';
import type { CDPSession } from 'playwright-core';
import type { ParleyNotification } from '@parley/server-sdk';
import { browserAvailable } from '../browser/helpers/browser.js';
import { startChat, type Person } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

// The web chat's service worker (examples/web-chat/sw) shows Web Push notifications. Chromium's
// DevTools protocol delivers a push to it as a push service would (`deliverPushMessage`), and
// reports when its handler is done (the background-services log): a test waits on that, never on
// time, before it looks at what the worker showed.
const suite = browserAvailable() ? describe : describe.skip;
const eventually = { timeout: 20_000 };

interface Shown {
  title: string;
  body: string;
  tag: string;
  data: unknown;
}

/** The notifications the app's worker shows on this person's browser. */
const shownTo = (p: Person) =>
  p.page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n): Shown => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown }));
  });

/** The conversation a page shows (the app's route, `#/c/<id>`). */
const openConversation = (p: Person) => p.page.evaluate(() => /^#\/c\/(.+)$/.exec(location.hash)?.[1] ?? null);

/** A notification as the server's pipeline makes it (docs/notifications.md, "What a notification holds"). */
function notification(to: string, from: string, conversationId: string, fields: Partial<ParleyNotification> = {}): ParleyNotification {
  return {
    id: `n-${conversationId}-1`,
    tag: `parley:${conversationId}`,
    userId: to,
    conversationId,
    conversationKind: 'direct',
    seq: 2,
    messages: 1,
    count: 1,
    badge: 1,
    senders: [{ id: from, name: from }],
    mentioned: false,
    title: from,
    body: `New message from ${from}`,
    createdAt: Date.now(),
    ...fields,
  };
}

/** Pushes to a person's browser, each awaited until the worker's handler has finished. */
async function pushChannel(p: Person, origin: string) {
  await p.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, eventually);
  const cdp: CDPSession = await p.context.newCDPSession(p.page);
  let registrationId: string | undefined;
  const completed: string[] = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    registrationId = registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted)?.registrationId ?? registrationId;
  });
  cdp.on('BackgroundService.backgroundServiceEventReceived', ({ backgroundServiceEvent: e }) => {
    if (e.service === 'pushMessaging' && e.eventName === 'Push event completed') completed.push(e.eventMetadata.find((m) => m.key === 'Status')?.value ?? '');
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('BackgroundService.startObserving', { service: 'pushMessaging' });
  await cdp.send('BackgroundService.setRecording', { service: 'pushMessaging', shouldRecord: true });
  await expect.poll(() => registrationId, eventually).toBeDefined();
  return {
    async push(payload: ParleyNotification | string) {
      const before = completed.length;
      const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
      await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId: registrationId!, data });
      await expect.poll(() => completed.length, eventually).toBe(before + 1);
      expect(completed.at(-1)).toBe('Success');
    },
    /** What the browser does to an idle worker: its memory (the windows' reports) goes. */
    stopWorker: () => cdp.send('ServiceWorker.stopAllWorkers'),
  };
}

/**
 * A click on the notification with this tag. No DevTools command clicks a notification, so the
 * worker's own `notificationclick` listener gets a NotificationEvent for the shown notification
 * (dispatched in the worker; `waitUntil` is the dispatcher's to keep, as for any untrusted event).
 */
async function click(p: Person, tag: string): Promise<void> {
  const worker = p.context.serviceWorkers().at(-1);
  if (!worker) throw new Error('no service worker');
  await worker.evaluate(async (t) => {
    const scope = globalThis as unknown as {
      registration: ServiceWorkerRegistration;
      NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
    };
    const [shown] = await scope.registration.getNotifications({ tag: t });
    if (!shown) throw new Error(`no notification ${t}`);
    const event = new scope.NotificationEvent('notificationclick', { notification: shown });
    let handled: Promise<unknown> = Promise.resolve();
    Object.defineProperty(event, 'waitUntil', { value: (work: Promise<unknown>) => void (handled = work) });
    globalThis.dispatchEvent(event);
    await handled;
  }, tag);
}

suite('the web chat\'s notifications (service worker, Web Push) in Chromium', () => {
  const { env, named, person } = webChatSuite({ webPush: true });
  const allowed = (name: string) => person(name, (context) => context.grantPermissions(['notifications'], { origin: env.server.url }));

  /** Bob with a direct chat from Alice he has not opened; his page shows the list. */
  async function bobAwayFromAlice() {
    const alice = await person('alice');
    await startChat(alice, [named('bob')]);
    await alice.send('are you there?');
    const conversationId = await openConversation(alice);
    if (!conversationId) throw new Error('no conversation open');
    const bob = await allowed('bob');
    await bob.page.getByTestId('conversation').filter({ hasText: named('alice') }).waitFor();
    return { alice, bob, conversationId, channel: await pushChannel(bob, env.server.url) };
  }

  it('shows a push about a conversation that is not on screen; a newer one for it replaces the shown one', async () => {
    const { bob, conversationId, channel } = await bobAwayFromAlice();
    const tag = `parley:${conversationId}`;

    await channel.push(notification(named('bob'), named('alice'), conversationId));
    expect(await shownTo(bob)).toEqual([
      { title: named('alice'), body: `New message from ${named('alice')}`, tag, data: expect.objectContaining({ conversationId }) },
    ]);

    await channel.push(notification(named('bob'), named('alice'), conversationId, { id: 'n-2', seq: 3, messages: 2, count: 2, body: `2 new messages from ${named('alice')}` }));
    expect(await shownTo(bob)).toEqual([
      { title: named('alice'), body: `2 new messages from ${named('alice')}`, tag, data: expect.objectContaining({ conversationId, seq: 3 }) },
    ]);

    // A payload that is not a Parley notification still says something.
    await channel.push('not json');
    expect((await shownTo(bob)).map((n) => n.title).sort()).toEqual(['Parley chat', named('alice')].sort());
  });

  it('stays quiet while that conversation is open and visible, also once the browser stopped the idle worker', async () => {
    const { bob, conversationId, channel } = await bobAwayFromAlice();
    // A notification from before: opening the conversation clears it.
    await channel.push(notification(named('bob'), named('alice'), conversationId));
    expect(await shownTo(bob)).toHaveLength(1);
    await bob.open(named('alice'));
    await expect.poll(() => shownTo(bob), eventually).toEqual([]);

    await channel.push(notification(named('bob'), named('alice'), conversationId, { id: 'n-2', seq: 3 }));
    expect(await shownTo(bob)).toEqual([]);
    // The worker forgets what the page told it; it asks the page instead.
    await channel.stopWorker();
    await channel.push(notification(named('bob'), named('alice'), conversationId, { id: 'n-3', seq: 4 }));
    expect(await shownTo(bob)).toEqual([]);

    // On another conversation, Alice's shows again.
    const carol = await person('carol');
    await startChat(carol, [named('bob')]);
    await bob.open(named('carol'));
    await channel.push(notification(named('bob'), named('alice'), conversationId, { id: 'n-4', seq: 5 }));
    expect((await shownTo(bob)).map((n) => n.tag)).toEqual([`parley:${conversationId}`]);
  });

  it('a click on a notification opens its conversation in the open window', async () => {
    const { bob, conversationId, channel } = await bobAwayFromAlice();
    expect(await openConversation(bob)).toBeNull();
    await channel.push(notification(named('bob'), named('alice'), conversationId));

    await click(bob, `parley:${conversationId}`);
    await expect.poll(() => openConversation(bob), eventually).toBe(conversationId);
    await bob.page.getByTestId('title').filter({ hasText: named('alice') }).waitFor();
    await expect.poll(() => bob.texts(), eventually).toEqual(['are you there?']);
    expect(await shownTo(bob)).toEqual([]);
  });

  it('offers "Enable notifications" on a server that sends Web Push, and says so when the browser blocks them', async () => {
    // No permission granted: headless Chromium answers the prompt "denied".
    const dave = await person('dave');
    const enable = dave.page.getByRole('button', { name: 'Enable notifications' });
    await enable.waitFor();
    await enable.click();
    await expect.poll(() => dave.page.getByTestId('notifications').getByRole('status').textContent(), eventually).toContain('blocked');
  });
});

suite('the web chat without Web Push on the server', () => {
  const { named, person } = webChatSuite();

  it('offers no notifications', async () => {
    const erin = await person('erin');
    await startChat(erin, [named('frank')]);
    await erin.send('hello');
    // Sent: the connection's welcome (which says whether the server pushes) came long before.
    await expect.poll(() => erin.tick('hello'), eventually).not.toBe('pending');
    expect(await erin.page.getByTestId('notifications').count()).toBe(0);
  });
});
