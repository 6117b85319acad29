import { useState } from 'react';
import type { ConversationView, MemberRole } from '@parley/client-sdk';
import { useChatClient } from '@parley/client-sdk/react';
import { UserAvatar } from './avatar.js';
import { PeoplePicker } from './people-picker.js';
import { mayRemove, roleOf, useNameOf } from './people.js';

type Act = (action: () => Promise<unknown>) => void;

/**
 * The group's members with their roles, and what the user may do to each (the permission table
 * of docs/security.md): the owner makes and unmakes admins and hands the ownership over; the
 * owner removes anyone, an admin removes members; either may ban while removing. Anyone adds
 * people (picked from the directory) and leaves.
 */
export function MemberList({ conversation, me, onLeft }: { conversation: ConversationView; me: string; onLeft: () => void }) {
  const chat = useChatClient();
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState<string[]>([]);
  const id = conversation.id;
  // Owner first, then admins, then members; the user among their peers.
  const order = { owner: 0, admin: 1, member: 2 };
  const members = [...conversation.members].sort((a, b) => order[roleOf(conversation, a)] - order[roleOf(conversation, b)]);

  const act: Act = (action) => {
    setError(null);
    action().catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  const add = () => {
    if (!chat || adding.length === 0) return;
    const picked = adding;
    act(async () => {
      await chat.addMembers(id, picked);
      setAdding([]);
    });
  };

  return (
    <section className="details-section" aria-label="Members">
      <h3>{conversation.memberCount} members</h3>
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="member-list">
        {members.map((userId) => (
          <MemberRow key={userId} conversation={conversation} userId={userId} me={me} act={act} onLeft={onLeft} />
        ))}
      </ul>
      <div className="add-members">
        <PeoplePicker label="Add people" me={me} picked={adding} onChange={setAdding} exclude={conversation.members} />
        <button type="button" disabled={adding.length === 0} onClick={add}>Add to group</button>
      </div>
    </section>
  );
}

function MemberRow({ conversation, userId, me, act, onLeft }: { conversation: ConversationView; userId: string; me: string; act: Act; onLeft: () => void }) {
  const chat = useChatClient();
  const name = useNameOf()(userId);
  const [handingOver, setHandingOver] = useState(false);
  const role = roleOf(conversation, userId);
  const owner = conversation.role === 'owner';
  const id = conversation.id;
  const setRole = (next: MemberRole) => chat && act(() => chat.setRole(id, userId, next));
  const remove = (ban: boolean) => chat && act(() => chat.removeMembers(id, [userId], ban ? { ban } : {}));

  return (
    <li className="member" data-testid="member" data-user-id={userId}>
      <UserAvatar userId={userId} />
      <span className="grow member-name">
        {name}
        {userId === me && <span className="muted"> (you)</span>}
        {role !== 'member' && <span className={`role-badge ${role}`} data-testid="role">{role === 'owner' ? 'Owner' : 'Admin'}</span>}
      </span>
      <span className="member-actions">
        {userId === me ? (
          <button type="button" className="link" onClick={() => chat && act(async () => (await chat.removeMembers(id, [me]), onLeft()))}>Leave group</button>
        ) : (
          <>
            {owner && role === 'member' && <button type="button" className="link" onClick={() => setRole('admin')} aria-label={`Make ${name} an admin`}>Make admin</button>}
            {owner && role === 'admin' && <button type="button" className="link" onClick={() => setRole('member')} aria-label={`Remove ${name} as admin`}>Remove admin</button>}
            {owner && !handingOver && <button type="button" className="link" onClick={() => setHandingOver(true)} aria-label={`Make ${name} the owner`}>Make owner</button>}
            {owner && handingOver && (
              // Handing over cannot be undone by the user: one more click says they mean it.
              <button type="button" className="link danger-link" onClick={() => setRole('owner')} aria-label={`Confirm: hand the ownership over to ${name}`}>Confirm handover</button>
            )}
            {mayRemove(conversation, userId) && (
              <>
                <button type="button" className="link" onClick={() => remove(false)} aria-label={`Remove ${name}`}>Remove</button>
                <button type="button" className="link danger-link" onClick={() => remove(true)} aria-label={`Remove and ban ${name}`}>Remove and ban</button>
              </>
            )}
          </>
        )}
      </span>
    </li>
  );
}
