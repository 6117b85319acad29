import { useEffect, useMemo, useState } from 'react';
import { ErrorCode, ParleyError, type AttachmentView } from '@parley/client-sdk';
import { useChatClient } from './context.js';

export interface AttachmentUrlState {
  /** A URL to show or download the file from (`<img src>`, `<a href download>`), once known. */
  readonly url: string | undefined;
  /** Why there is none: NOT_FOUND (not visible to this user, gone), UNAVAILABLE (offline)… */
  readonly error: ParleyError | undefined;
  readonly loading: boolean;
}

/** How often a shown URL is asked for again: the client's cache answers until it nears expiry. */
const REFRESH_MS = 30_000;
const NONE: AttachmentUrlState = { url: undefined, error: undefined, loading: false };
const LOADING: AttachmentUrlState = { url: undefined, error: undefined, loading: true };

/**
 * A URL for a file of a message: for a pending message, an object URL of the bytes on this
 * device (shown at once, offline too; revoked on unmount); for a stored one, a signed download URL
 * (`chat.getAttachmentUrl`), replaced by a fresh one before it expires. `attachment` is an
 * `AttachmentView` (from `MessageView.attachments`); null renders nothing.
 *
 * @example
 * function Photo({ m, a }: { m: MessageView; a: AttachmentView }) {
 *   const { url } = useAttachmentUrl(m.conversationId, a);
 *   return url
 *     ? <img src={url} width={a.width} height={a.height} alt={a.name} />
 *     : <img src={a.preview} width={a.width} height={a.height} style={{ filter: 'blur(8px)' }} alt="" />;
 * }
 */
export function useAttachmentUrl(
  conversationId: string | null | undefined,
  attachment: Pick<AttachmentView, 'id' | 'localId'> | null | undefined,
): AttachmentUrlState {
  const client = useChatClient();
  const localId = attachment?.localId;
  const id = attachment?.id;
  // Local bytes first: a pending file has them (its slot's URL may not serve it complete yet).
  const key = localId !== undefined ? `local\n${localId}` : id !== undefined && conversationId ? `${conversationId}\n${id}` : '';
  const [state, setState] = useState<{ key: string; url?: string; error?: ParleyError }>({ key: '' });

  useEffect(() => {
    if (!client || key === '') return;
    let live = true;
    let objectUrl: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const show = (url: string | undefined, error?: ParleyError) => {
      if (!live) return;
      setState((prev) => {
        // A failed refresh keeps the URL shown: it may work a while longer.
        const kept = url ?? (prev.key === key ? prev.url : undefined);
        return prev.key === key && prev.url === kept && prev.error === error ? prev : { key, ...(kept ? { url: kept } : {}), ...(error ? { error } : {}) };
      });
    };
    if (localId !== undefined) {
      client.getLocalFile(localId).then((blob) => {
        if (!live) return;
        if (!blob) return show(undefined, new ParleyError(ErrorCode.NOT_FOUND, 'the file is no longer on this device'));
        if (typeof URL.createObjectURL !== 'function') return show(undefined, new ParleyError(ErrorCode.UNAVAILABLE, 'this runtime cannot show local files'));
        objectUrl = URL.createObjectURL(blob);
        show(objectUrl);
      }).catch((err: unknown) => show(undefined, ParleyError.from(err)));
    } else if (conversationId && id !== undefined) {
      const ask = () => {
        client.getAttachmentUrl(conversationId, id).then(
          (url) => show(url),
          (err: unknown) => show(undefined, ParleyError.from(err)),
        ).finally(() => {
          if (live) timer = setTimeout(ask, REFRESH_MS);
        });
      };
      ask();
    }
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
      if (objectUrl !== undefined) URL.revokeObjectURL(objectUrl);
    };
  }, [client, key, localId, id, conversationId]);

  return useMemo(() => {
    if (key === '' || !client) return NONE;
    if (state.key !== key) return LOADING;
    return { url: state.url, error: state.error, loading: false };
  }, [client, key, state]);
}
