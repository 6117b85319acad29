import type { ConversationView } from '@parley/client-sdk';
import { BansList } from './bans-list.js';
import { GroupDetailsForm } from './group-details-form.js';
import { MemberList } from './member-list.js';
import { isModerator } from './people.js';

type DetailsPanelProps = { conversation: ConversationView; me: string; onClose: () => void; onLeft: () => void };

/** A group's details, members and bans, beside the timeline (where a thread would be). Escape or × closes. */
export function DetailsPanel({ conversation, me, onClose, onLeft }: DetailsPanelProps) {
  // The form restarts from the group's details when they change (someone else saved).
  const detailsKey = JSON.stringify([conversation.title, conversation.description, conversation.image, conversation.slowModeMs, conversation.role]);
  return (
    <aside
      className="thread-panel details-panel"
      aria-label="Group details"
      data-testid="details"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) onClose();
      }}
    >
      <header className="thread-header">
        <strong className="grow">Group details</strong>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close details" title="Close (Esc)">×</button>
      </header>
      <div className="details-body">
        <GroupDetailsForm key={detailsKey} conversation={conversation} />
        <MemberList conversation={conversation} me={me} onLeft={onLeft} />
        {isModerator(conversation) && <BansList conversation={conversation} />}
      </div>
    </aside>
  );
}
