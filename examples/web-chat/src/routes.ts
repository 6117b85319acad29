/**
 * The app's one route: the open conversation lives in the URL hash (`#/c/<id>`), so a reload, a
 * shared link or a notification's click reopens it.
 */
const CONVERSATION_HASH = /^#\/c\/(.+)$/;

/** The hash that opens this conversation (`''`: the list). */
export function conversationHash(conversationId: string | null): string {
  return conversationId ? `#/c/${conversationId}` : '';
}

/** The conversation a hash opens, or null. */
export function conversationInHash(hash: string): string | null {
  return CONVERSATION_HASH.exec(hash)?.[1] ?? null;
}
