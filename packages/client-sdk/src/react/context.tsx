import { createContext, useContext, type ReactNode } from 'react';
import type { ChatClient } from '@parley/client-sdk';

/**
 * `undefined` means "no provider above": a mistake worth a clear error. `null` means "a provider,
 * but no client yet" (before `useCreateChatClient` has run its effect, or during server rendering):
 * hooks then show an empty, idle chat.
 */
const ParleyContext = createContext<ChatClient | null | undefined>(undefined);
ParleyContext.displayName = 'ParleyContext';

export interface ParleyProviderProps {
  /** The client the hooks below read. The provider never connects or closes it: its creator does. */
  client: ChatClient | null;
  children?: ReactNode;
}

/**
 * Makes a Parley client available to the hooks below it.
 *
 * @example
 * const chat = createChatClient({ url, getToken });
 * createRoot(el).render(<ParleyProvider client={chat}><App /></ParleyProvider>);
 */
export function ParleyProvider({ client, children }: ParleyProviderProps): ReactNode {
  return <ParleyContext.Provider value={client}>{children}</ParleyContext.Provider>;
}

/**
 * The client from the nearest `ParleyProvider`, or `null` while there is none yet.
 *
 * @example
 * const chat = useChatClient();
 * const start = () => chat?.openDirect('bob');
 */
export function useChatClient(): ChatClient | null {
  const client = useContext(ParleyContext);
  if (client === undefined) throw new Error('Parley hooks need a <ParleyProvider client={…}> above them');
  return client;
}
