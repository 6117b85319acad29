import { useState } from 'react';
import { useUser, type UserPresence } from '@parley/client-sdk/react';
import { hueOf, initialOf } from './names.js';

type AvatarProps = {
  name: string;
  presence?: UserPresence | undefined;
  group?: boolean;
  /** A picture (a profile's or a group's): the initial shows while it loads or when it cannot. */
  image?: string | undefined;
};

export function Avatar({ name, presence, group, image }: AvatarProps) {
  // A picture that failed (a dead link, the page's Content-Security-Policy) falls back to the initial.
  const [broken, setBroken] = useState<string | null>(null);
  const picture = image !== undefined && broken !== image ? image : undefined;
  return (
    <span className="avatar" style={{ background: `hsl(${hueOf(name)} 55% 52%)` }} aria-hidden="true" data-image={picture}>
      {picture ? <img src={picture} alt="" onError={() => setBroken(picture)} /> : group ? '#' : initialOf(name)}
      {presence && <span className={`dot ${presence.status}`} />}
    </span>
  );
}

/** A user's avatar from their profile (picture and name), the id's initial until it loads. */
export function UserAvatar({ userId, presence }: { userId: string; presence?: UserPresence | undefined }) {
  const profile = useUser(userId);
  return <Avatar name={profile?.name ?? userId} image={profile?.image} presence={presence} />;
}
