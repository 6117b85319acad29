import { usePushNotifications } from './use-push-notifications.js';

/**
 * "Enable notifications" in the sidebar: messages that arrive while the app is closed or in the
 * background show as the system's notifications (the service worker shows them). Not shown when
 * the browser has no Push API or the server sends no Web Push.
 */
export function NotificationsToggle() {
  const { state, error, enable, disable } = usePushNotifications();
  if (state === 'unavailable') return null;
  return (
    <div className="notifications-toggle" data-testid="notifications">
      {state === 'on' || state === 'turning-off' ? (
        <button className="ghost" onClick={disable} disabled={state === 'turning-off'}>
          {state === 'turning-off' ? 'Turning notifications off…' : 'Turn off notifications'}
        </button>
      ) : (
        <button className="ghost" onClick={enable} disabled={state === 'turning-on'}>
          {state === 'turning-on' ? 'Turning notifications on…' : 'Enable notifications'}
        </button>
      )}
      {state === 'blocked' && <p className="hint" role="status">Notifications are blocked for this site: allow them in the browser's site settings.</p>}
      {error && <p className="hint error" role="alert">Notifications could not be changed: {error}</p>}
    </div>
  );
}
