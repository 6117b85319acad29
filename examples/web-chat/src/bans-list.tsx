import { useEffect, useState } from 'react';
import type { ConversationView } from '@parley/client-sdk';
import { useChatClient } from '@parley/client-sdk/react';
import { UserAvatar } from './avatar.js';
import { useNameOf } from './people.js';

/**
 * Who is banned from the group (owner and admins only): read again after every change of the
 * group (a ban is a removal event), each with Unban. An unbanned user can be added again.
 */
export function BansList({ conversation }: { conversation: ConversationView }) {
  const chat = useChatClient();
  const nameOf = useNameOf();
  const [bans, setBans] = useState<readonly string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { id, lastSeq } = conversation;

  useEffect(() => {
    if (!chat) return;
    let current = true;
    chat.getBans(id).then(
      (ids) => current && setBans(ids),
      (err: unknown) => current && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      current = false;
    };
  }, [chat, id, lastSeq]);

  const unban = (userId: string) => {
    if (!chat) return;
    setError(null);
    chat.unban(id, [userId]).then(setBans, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };

  return (
    <section className="details-section" aria-label="Banned">
      <h3>Banned</h3>
      {error && <p className="error" role="alert">{error}</p>}
      {bans === null ? (
        <p className="muted">Loading…</p>
      ) : bans.length === 0 ? (
        <p className="muted" data-testid="no-bans">No one is banned.</p>
      ) : (
        <ul className="member-list">
          {bans.map((userId) => (
            <li key={userId} className="member" data-testid="banned" data-user-id={userId}>
              <UserAvatar userId={userId} />
              <span className="grow">{nameOf(userId)}</span>
              <button type="button" className="link" onClick={() => unban(userId)} aria-label={`Unban ${nameOf(userId)}`}>Unban</button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
