/**
 * A URL the server gave (an upload or a download), absolute: a path (`/blobs/…`, from a blob
 * store mounted on the chat server) is resolved against the chat server's URL, itself resolved
 * against the page where it is a path too. Absolute URLs come back as they are.
 */
export function resolveAgainst(url: string, serverUrl: string | undefined): string {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    const base = serverUrl !== undefined && serverUrl !== '' ? new URL(serverUrl, page) : page !== undefined ? new URL(page) : undefined;
    return new URL(url, base).href;
  } catch {
    return url;
  }
}
