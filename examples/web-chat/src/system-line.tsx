import type { SystemItem } from '@parley/client-sdk';
import { clockOf, whenOf } from './names.js';

/** "bob", "bob and carol", "bob, carol and dave". */
function namesOf(userIds: readonly string[]): string {
  return userIds.length <= 1 ? (userIds[0] ?? '') : `${userIds.slice(0, -1).join(', ')} and ${userIds.at(-1)}`;
}

/** What a membership change says, in words (names as the rest of the app shows them). */
export function systemTextOf(item: SystemItem, group: boolean): string | null {
  switch (item.event) {
    case 'created':
      // A direct chat starting is no news to either person in it.
      if (!group) return null;
      return item.title !== undefined ? `${item.actorId} created the group '${item.title}'` : `${item.actorId} created the group`;
    case 'added':
      return `${item.actorId} added ${namesOf(item.userIds)}`;
    case 'removed':
      return `${item.actorId} removed ${namesOf(item.userIds)}`;
    case 'left':
      return `${item.actorId} left`;
  }
}

/** A membership change as centred muted lines between the messages (and where ownership went). */
export function SystemLine({ item, group }: { item: SystemItem; group: boolean }) {
  const text = systemTextOf(item, group);
  const title = `${whenOf(item.ts)} ${clockOf(item.ts)}`;
  return (
    <>
      {text !== null && <p className="system-line" data-testid="system-line" title={title}>{text}</p>}
      {item.ownerId !== undefined && (
        <p className="system-line" data-testid="system-line" title={title}>ownership passed to {item.ownerId}</p>
      )}
    </>
  );
}
