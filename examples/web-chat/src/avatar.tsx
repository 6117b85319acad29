import type { UserPresence } from '@parley/client-sdk/react';
import { hueOf, initialOf } from './names.js';

export function Avatar({ name, presence, group }: { name: string; presence?: UserPresence | undefined; group?: boolean }) {
  return (
    <span className="avatar" style={{ background: `hsl(${hueOf(name)} 55% 52%)` }} aria-hidden="true">
      {group ? '#' : initialOf(name)}
      {presence && <span className={`dot ${presence.status}`} />}
    </span>
  );
}
