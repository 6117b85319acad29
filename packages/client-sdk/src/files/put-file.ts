import { ErrorCode, ParleyError } from '@parley/protocol';

/**
 * One PUT of a file's bytes to the URL the server signed for it (`ChatClientOptions.uploadFile`).
 *
 * @example
 * const uploadFile: FileUploader = async ({ url, headers, body, signal }) => {
 *   const res = await fetch(url, { method: 'PUT', headers, body, signal });
 *   return { status: res.status };
 * };
 */
export interface FileUpload {
  /** Absolute URL (a path the server gave is resolved against the chat server's URL). */
  readonly url: string;
  readonly method: 'PUT';
  /** Send these with the bytes, as given (the signature covers them): at least `Content-Type`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Blob;
  /** Aborted when the message is discarded, the device goes offline or the client closes. */
  readonly signal: AbortSignal;
  /** Report the bytes sent so far, as they go (the message view's `progress`). */
  onProgress(loaded: number): void;
}

/**
 * Puts a file's bytes and resolves with the HTTP status of the answer; rejects only when no answer
 * came (a network failure, an abort). 2xx: stored. Another 4xx: the URL was refused (expired,
 * tampered, another size): the client asks a fresh one. 5xx, 408, 429: tried again later.
 */
export type FileUploader = (upload: FileUpload) => Promise<{ status: number }>;

/** How much of the body is handed to the connection at a time (and reported as progress). */
const PIECE_BYTES = 64 * 1024;

/** Headers a browser sets itself and refuses from scripts. */
const BROWSER_SETS = new Set(['content-length', 'host', 'connection']);

function aborted(): ParleyError {
  return new ParleyError(ErrorCode.UNAVAILABLE, 'the upload was stopped');
}

interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  upload: { onprogress: ((event: { loaded: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  ontimeout: (() => void) | null;
}

/** XMLHttpRequest: the one browser API that reports upload progress. */
function putWithXhr(Xhr: new () => XhrLike, upload: FileUpload): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    if (upload.signal.aborted) return reject(aborted());
    const xhr = new Xhr();
    xhr.open(upload.method, upload.url);
    for (const [name, value] of Object.entries(upload.headers)) if (!BROWSER_SETS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => upload.onProgress(event.loaded);
    const stop = () => xhr.abort();
    upload.signal.addEventListener('abort', stop, { once: true });
    const done = () => upload.signal.removeEventListener('abort', stop);
    xhr.onload = () => {
      done();
      resolve({ status: xhr.status });
    };
    xhr.onerror = xhr.ontimeout = () => {
      done();
      reject(new ParleyError(ErrorCode.UNAVAILABLE, 'the upload failed: no answer from the storage'));
    };
    xhr.onabort = () => {
      done();
      reject(aborted());
    };
    xhr.send(upload.body);
  });
}

/**
 * fetch, with the body streamed through a counter where the runtime can stream a request with a
 * known length (Node: progress as the bytes go), else the whole Blob (progress at the end).
 */
async function putWithFetch(upload: FileUpload): Promise<{ status: number }> {
  const { body, signal } = upload;
  const node = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  let request: RequestInit & { duplex?: 'half' };
  if (node && typeof ReadableStream === 'function') {
    const reader = body.stream().getReader();
    let loaded = 0;
    let rest: Uint8Array = new Uint8Array(0);
    // Handed on in small pieces, as the connection takes them: a Blob may read as one chunk.
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (rest.byteLength === 0) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          rest = value;
        }
        const piece = rest.subarray(0, PIECE_BYTES);
        rest = rest.subarray(piece.byteLength);
        loaded += piece.byteLength;
        upload.onProgress(loaded);
        controller.enqueue(piece);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    request = { method: upload.method, headers: { ...upload.headers, 'content-length': String(body.size) }, body: counted, duplex: 'half', signal };
  } else {
    request = { method: upload.method, headers: upload.headers, body, signal };
  }
  try {
    const res = await fetch(upload.url, request);
    // The answer's body is not needed; reading it frees the connection.
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) upload.onProgress(body.size);
    return { status: res.status };
  } catch (err) {
    if (signal.aborted) throw aborted();
    throw new ParleyError(ErrorCode.UNAVAILABLE, `the upload failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * The default `FileUploader`: XMLHttpRequest where there is one (browsers, React Native: upload
 * progress as it goes), else fetch (Node).
 */
export const putFile: FileUploader = (upload) => {
  const Xhr = (globalThis as { XMLHttpRequest?: new () => XhrLike }).XMLHttpRequest;
  return Xhr ? putWithXhr(Xhr, upload) : putWithFetch(upload);
};
