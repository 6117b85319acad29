import { useState } from 'react';
import { ParleyProvider, useCreateChatClient } from '@parley/client-sdk/react';
import { createWebChatClient, savedUser } from './session.js';
import { SignIn } from './sign-in.js';
import { ChatLayout } from './chat-layout.js';
import { disablePush, pushSupported } from './push-subscription.js';

export function App() {
  const [userId, setUserId] = useState(savedUser.get);
  if (!userId) {
    return (
      <SignIn
        onSignedIn={(name) => {
          savedUser.set(name);
          setUserId(name);
        }}
      />
    );
  }
  const signOut = () => {
    savedUser.clear();
    window.location.hash = '';
    setUserId(null);
  };
  // A new user means a new client: the key remounts everything below with fresh state.
  return <SignedIn key={userId} userId={userId} onSignOut={signOut} />;
}

function SignedIn({ userId, onSignOut }: { userId: string; onSignOut: () => void }) {
  const chat = useCreateChatClient(() => createWebChatClient(userId), [userId]);
  // signOut() deletes this device's copy (IndexedDB outbox and cache) before the screen goes:
  // on a shared computer nothing of the user's chats stays behind. Their notifications stop
  // first, while the session can still tell the server.
  const signOut = () => {
    if (!chat) return onSignOut();
    const pushOff = pushSupported() ? disablePush(chat).catch((err: unknown) => console.warn('notifications not turned off', err)) : Promise.resolve();
    pushOff
      .then(() => chat.signOut())
      .then(onSignOut, (err: unknown) => {
        console.error('sign out could not delete local data', err);
        onSignOut();
      });
  };
  return (
    <ParleyProvider client={chat}>
      <ChatLayout userId={userId} onSignOut={signOut} />
    </ParleyProvider>
  );
}
