import { ErrorCode, ParleyError, isParleyError } from '@parley/protocol';
import type { ChatClientOptions, Logger } from '../types.js';

/**
 * Asks the app for a token. A rejection with an UNAUTHORIZED `ParleyError` passes through as
 * is: the app says the user is signed out, and the connection stops in `unauthorized`. Anything
 * else (a failed fetch to the app's auth backend) becomes UNAVAILABLE, retried with backoff.
 */
export async function tokenFor(getToken: ChatClientOptions['getToken']): Promise<string> {
  try {
    return await getToken();
  } catch (err) {
    if (isParleyError(err) && err.code === ErrorCode.UNAUTHORIZED) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new ParleyError(ErrorCode.UNAVAILABLE, `getToken failed: ${reason}`, { cause: err });
  }
}

/**
 * Tells the app its credentials were refused. Its handler runs inside a socket callback: a throw
 * there is logged, not let loose in the transport.
 */
export function tellAuthError(options: Pick<ChatClientOptions, 'onAuthError'>, error: ParleyError, retry: () => void, logger: Logger): void {
  try {
    options.onAuthError?.(error, { retry });
  } catch (err) {
    logger.error('parley: onAuthError threw', { error: String(err) });
  }
}
