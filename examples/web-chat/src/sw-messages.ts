/**
 * What the page and the service worker (`sw/`) say to each other with postMessage. Both sides
 * check what they receive: a message is just data from another context.
 */

/** The page → the worker, whenever it changes, and as the answer to a `view?` query. */
export interface ViewReport {
  type: 'parley:view';
  /** The conversation on screen, or null (the list, the sign-in screen). */
  conversationId: string | null;
  /** `document.visibilityState === 'visible'`. */
  visible: boolean;
}

/** The worker → a page: which conversation do you show? Answered on the message's port. */
export interface ViewQuery {
  type: 'parley:view?';
}

/** The worker → a page: show this conversation (a click on its notification). */
export interface OpenConversation {
  type: 'parley:open';
  conversationId: string;
}

const isRecord = (data: unknown): data is Record<string, unknown> => typeof data === 'object' && data !== null;

export function isViewReport(data: unknown): data is ViewReport {
  return (
    isRecord(data) &&
    data.type === 'parley:view' &&
    (data.conversationId === null || typeof data.conversationId === 'string') &&
    typeof data.visible === 'boolean'
  );
}

export function isViewQuery(data: unknown): data is ViewQuery {
  return isRecord(data) && data.type === 'parley:view?';
}

export function isOpenConversation(data: unknown): data is OpenConversation {
  return isRecord(data) && data.type === 'parley:open' && typeof data.conversationId === 'string' && data.conversationId !== '';
}
