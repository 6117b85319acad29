import type { ConversationPatch, SystemItem } from '@parley/client-sdk';
import { clockOf, intervalOf, whenOf } from './names.js';
import { listOf, useNameOf } from './people.js';

type NameOf = (userId: string) => string;

/** What a change of the group's details says: one line per field the event carries. */
function detailLines(actor: string, patch: ConversationPatch): string[] {
  const lines: string[] = [];
  if (patch.title !== undefined) lines.push(patch.title === null ? `${actor} removed the group's name` : `${actor} renamed the group to '${patch.title}'`);
  if (patch.description !== undefined) lines.push(patch.description === null ? `${actor} removed the description` : `${actor} changed the description`);
  if (patch.image !== undefined) lines.push(patch.image === null ? `${actor} removed the photo` : `${actor} changed the photo`);
  if (patch.slowModeMs !== undefined) {
    lines.push(patch.slowModeMs ? `${actor} turned slow mode on (${intervalOf(patch.slowModeMs)})` : `${actor} turned slow mode off`);
  }
  return lines;
}

/** What a change says, in words, a line each (names as the rest of the app shows them). */
export function systemLinesOf(item: SystemItem, group: boolean, nameOf: NameOf): string[] {
  const actor = nameOf(item.actorId);
  const names = listOf(item.userIds.map(nameOf));
  switch (item.event) {
    case 'created':
      // A direct chat starting is no news to either person in it.
      if (!group) return [];
      return [item.title !== undefined ? `${actor} created the group '${item.title}'` : `${actor} created the group`];
    case 'added':
      return [`${actor} added ${names}`];
    case 'removed':
      return [item.banned ? `${actor} removed and banned ${names}` : `${actor} removed ${names}`];
    case 'left':
      return [`${actor} left`];
    case 'updated':
      return item.patch ? detailLines(actor, item.patch) : [];
    case 'role': {
      const changes = item.changes ?? [];
      // A handover lists the new owner and the previous one (now an admin): the news is the owner.
      const owner = changes.find((c) => c.role === 'owner');
      if (owner) return [`${nameOf(owner.userId)} is now the owner`];
      return changes.map((c) => (c.role === 'admin' ? `${actor} made ${nameOf(c.userId)} an admin` : `${actor} removed ${nameOf(c.userId)} as admin`));
    }
  }
}

/** A membership or group change as centred muted lines between the messages (and where ownership went). */
export function SystemLine({ item, group }: { item: SystemItem; group: boolean }) {
  const nameOf = useNameOf();
  const lines = systemLinesOf(item, group, nameOf);
  if (item.ownerId !== undefined) lines.push(`ownership passed to ${nameOf(item.ownerId)}`);
  const title = `${whenOf(item.ts)} ${clockOf(item.ts)}`;
  return (
    <>
      {lines.map((line, i) => (
        <p key={i} className="system-line" data-testid="system-line" title={title}>{line}</p>
      ))}
    </>
  );
}
