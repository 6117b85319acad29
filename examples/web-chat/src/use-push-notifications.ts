import { useCallback, useEffect, useState } from 'react';
import { useChatClient, useConnection } from '@parley/client-sdk/react';
import { currentSubscription, disablePush, enablePush, pushSupported } from './push-subscription.js';

/**
 * - `unavailable`: no Push API here, or the server sends no Web Push (nothing to offer);
 * - `off`, `on`: this device gets notifications or not;
 * - `turning-on`, `turning-off`: asking the browser and the server;
 * - `blocked`: the permission was refused (only the browser's site settings can change that).
 */
export type PushState = 'unavailable' | 'off' | 'on' | 'turning-on' | 'turning-off' | 'blocked';

/**
 * Notifications on this device: whether they can be offered, whether they are on, and the switch.
 * Once connected it asks the server for its push key; a subscription the browser already holds
 * is registered again, so the server's copy follows one the browser renewed.
 */
export function usePushNotifications(): { state: PushState; error: string | null; enable: () => void; disable: () => void } {
  const chat = useChatClient();
  const { status } = useConnection();
  const [vapidKey, setVapidKey] = useState<string | null | undefined>(undefined);
  const [state, setState] = useState<PushState>('unavailable');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!chat || !pushSupported() || status !== 'online' || vapidKey !== undefined) return;
    let live = true;
    chat.getPushConfig().then(
      (config) => live && setVapidKey(config?.vapidPublicKey ?? null),
      () => undefined, // no welcome in time: asked again on the next connection
    );
    return () => {
      live = false;
    };
  }, [chat, status, vapidKey]);

  useEffect(() => {
    if (!chat || !vapidKey) return;
    let live = true;
    void (async () => {
      const subscription = Notification.permission === 'granted' ? await currentSubscription(vapidKey) : null;
      if (!live) return;
      setState(Notification.permission === 'denied' ? 'blocked' : subscription ? 'on' : 'off');
      if (subscription) await chat.registerPush(subscription.toJSON()).catch((err: unknown) => console.warn('push subscription not registered again', err));
    })();
    return () => {
      live = false;
    };
  }, [chat, vapidKey]);

  const run = useCallback((pending: PushState, action: () => Promise<PushState>, fallback: PushState) => {
    setState(pending);
    setError(null);
    action().then(setState, (err: unknown) => {
      setError(err instanceof Error ? err.message : String(err));
      setState(fallback);
    });
  }, []);
  const enable = useCallback(() => {
    if (chat && vapidKey) run('turning-on', () => enablePush(chat, vapidKey), 'off');
  }, [chat, vapidKey, run]);
  const disable = useCallback(() => {
    if (chat) run('turning-off', () => disablePush(chat).then(() => 'off' as const), 'on');
  }, [chat, run]);
  return { state, error, enable, disable };
}
