import { useChatClient, useConnection, useOutbox } from '@parley/client-sdk/react';

/** Says when messages cannot go out right now, and how many are waiting. */
export function ConnectionBanner() {
  const { status, attempt } = useConnection();
  const { pending } = useOutbox();
  const chat = useChatClient();
  const queued = pending.length > 0 ? ` ${pending.length} ${pending.length === 1 ? 'message' : 'messages'} queued, sent when you're back.` : '';
  if (status === 'unauthorized') {
    // The server refused the session: connect() asks getToken for a fresh token.
    return (
      <div className="banner offline" role="status" data-testid="banner">
        Your session ended.{queued} <button className="ghost" onClick={() => chat?.connect()}>Sign in again</button>
      </div>
    );
  }
  if (status === 'upgrade-required') {
    // The server no longer speaks this build's protocol: the queued messages go out from the new build.
    return (
      <div className="banner offline" role="status" data-testid="banner">
        A new version of this app is available.{queued} <button className="ghost" onClick={() => location.reload()}>Reload</button>
      </div>
    );
  }
  if (status === 'server-outdated') {
    return <div className="banner reconnecting" role="status" data-testid="banner">The server is being upgraded; retrying…{queued}</div>;
  }
  if (status === 'offline') {
    return <div className="banner offline" role="status" data-testid="banner">You're offline.{queued}</div>;
  }
  if (status === 'reconnecting' || (status === 'connecting' && attempt > 0)) {
    return <div className="banner reconnecting" role="status" data-testid="banner">Reconnecting…{queued}</div>;
  }
  return null;
}
