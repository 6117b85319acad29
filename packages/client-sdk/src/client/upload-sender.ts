import { ErrorCode, ParleyError, type ServerFrame, type UploadFrame, type UploadResultFrame } from '@parley/protocol';
import type { ClientFileStore, OutboxAttachment, OutboxEntry } from '../storage/client-storage.js';
import { NO_UPLOADS, type ChatState } from '../state/chat-state.js';
import { awaitsUpload, findEntry, putEntry, withAttachment } from '../state/outbox.js';
import { fullJitterDelay, type BackoffOptions } from '../state/backoff.js';
import type { FileUploader } from '../files/put-file.js';
import type { Timers } from '../core/timers.js';
import type { Logger } from '../types.js';
import type { RequestFrame } from './server-requests.js';

export interface UploadSenderOptions {
  getState(): ChatState;
  commit(next: ChatState): void;
  /** Where the bytes of files waiting to upload are kept. */
  files: ClientFileStore;
  /** Writes an entry to storage (a slot's id, an upload done): a reload resumes from there. */
  persist(entry: OutboxEntry): Promise<void>;
  request(frame: RequestFrame, answer: ServerFrame['type']): Promise<ServerFrame>;
  upload: FileUploader;
  /** An upload URL as the uploader takes it: a path resolved against the chat server's URL. */
  resolveUrl(url: string): string;
  isOnline(): boolean;
  newId(): string;
  timers: Timers;
  backoff: BackoffOptions;
  logger: Logger;
  /** Every file of this message is uploaded: it may be sent. */
  uploaded(clientMsgId: string): void;
  /**
   * A PUT that moves no byte and gets no answer for this long is stopped and tried again: a
   * connection can die without telling (a half-open TCP connection, a proxy whose far side is
   * gone), and an upload waiting on it would hold its conversation's outbox for good. A read of
   * the bytes or a write of the outbox that takes this long is given up the same way.
   */
  stallMs: number;
}

/** Refused PUTs (an expired or refused URL) of one file before its message fails. */
const MAX_REFUSED_PUTS = 3;

const isRefusal = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

/**
 * Settles as `work` does, or rejects as soon as `signal` aborts: the loop stops waiting for an
 * uploader that ignores its signal (an app's own, a runtime that cannot stop a request).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(new ParleyError(ErrorCode.UNAVAILABLE, 'the upload was stopped'));
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    const done = () => signal.removeEventListener('abort', stop);
    work.then(
      (value) => (done(), resolve(value)),
      (err: unknown) => (done(), reject(err)),
    );
  });
}

/**
 * Uploads the files of queued messages, one file at a time, in outbox order: an upload slot
 * (`upload`; renewed with the attachment id when the file has one, a new one if the server no
 * longer knows it), the slot's id written to storage, the PUT of the bytes, "uploaded" written to
 * storage; then the message may go out. Network failures and 5xx back off and try again; going
 * offline or closing stops the PUT under way (it starts over later from the stored state); a
 * definitive refusal (a type or size the server does not take) fails the message visibly.
 *
 * One loop runs at a time and a kick only asks it to go on, so every wait in it ends by itself:
 * requests time out, storage gets `stallMs`, a PUT ends on its watchdog or any stop even if the
 * uploader never answers. A file backing off has a timer while online; offline, the kick that
 * comes with the next connection resumes the loop.
 */
export function createUploadSender(options: UploadSenderOptions) {
  const { timers, logger } = options;
  /** Consecutive failures and the earliest next try, per file (`localId`). */
  const waits = new Map<string, { failures: number; until: number }>();
  const refused = new Map<string, number>();
  let running = false;
  let again = false;
  let stopped = false;
  let timer: unknown;
  let current: { localId: string; controller: AbortController } | null = null;

  const state = () => options.getState();
  const pendingEntry = (clientMsgId: string) => {
    const entry = findEntry(state().outbox, clientMsgId);
    return entry && entry.status === 'pending' ? entry : undefined;
  };

  /** Changes one file of a message still queued; the entry as it is now, or undefined if it left. */
  function changeFile(clientMsgId: string, localId: string, change: (file: OutboxAttachment) => OutboxAttachment): OutboxEntry | undefined {
    const entry = pendingEntry(clientMsgId);
    if (!entry) return undefined;
    const next = withAttachment(entry, localId, change);
    if (next !== entry) options.commit({ ...state(), outbox: putEntry(state().outbox, next) });
    return next;
  }

  function setProgress(localId: string, loaded: number, total: number | null): void {
    const before = state().uploads;
    const shown = before.get(localId);
    if (total === null ? !shown : shown?.loaded === loaded && shown.total === total) return;
    const uploads = new Map(before);
    if (total === null) uploads.delete(localId);
    else uploads.set(localId, { loaded, total });
    options.commit({ ...state(), uploads: uploads.size === 0 ? NO_UPLOADS : uploads });
  }

  /** `work`, or a TIMEOUT once it took `stallMs`: storage that never answers cannot hold the loop. */
  function inTime<T>(work: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = timers.setTimeout(() => reject(new ParleyError(ErrorCode.TIMEOUT, `${what} took over ${options.stallMs} ms`)), options.stallMs);
      work.then(
        (value) => (timers.clearTimeout(timer), resolve(value)),
        (err: unknown) => (timers.clearTimeout(timer), reject(err)),
      );
    });
  }

  /** Writes the entry; a failed or slow write is logged and the upload goes on (a reload starts from what was written). */
  async function save(entry: OutboxEntry | undefined): Promise<void> {
    if (!entry) return;
    await inTime(options.persist(entry), 'an outbox write').catch((err: unknown) => logger.warn('parley: outbox write failed', { error: String(err) }));
  }

  /** What counted against a file (its backoff, its refused PUTs) goes: it is uploaded, or its message failed or left. */
  function forgetFailures(localId: string): void {
    waits.delete(localId);
    refused.delete(localId);
  }

  function fail(clientMsgId: string, error: ParleyError): void {
    const entry = pendingEntry(clientMsgId);
    if (!entry) return;
    const { lastSentAt: _lastSentAt, retryAt: _retryAt, ...rest } = entry;
    const failed: OutboxEntry = { ...rest, status: 'failed', error: { code: error.code, message: error.message } };
    options.commit({ ...state(), outbox: putEntry(state().outbox, failed) });
    for (const file of entry.attachments ?? []) {
      forgetFailures(file.localId);
      setProgress(file.localId, 0, null);
    }
    void save(failed);
  }

  function backOff(localId: string, why: unknown): void {
    const failures = (waits.get(localId)?.failures ?? 0) + 1;
    waits.set(localId, { failures, until: timers.now() + fullJitterDelay(failures - 1, options.backoff, timers.random) });
    logger.debug('parley: upload will be tried again', { localId, error: String(why) });
  }

  /** The next file to work on: the first not uploaded of the first message waiting, not backing off. */
  function nextFile(): { entry: OutboxEntry; file: OutboxAttachment } | undefined {
    const now = timers.now();
    for (const entry of state().outbox) {
      if (!awaitsUpload(entry)) continue;
      for (const file of entry.attachments ?? []) {
        if (file.uploaded) continue;
        if ((waits.get(file.localId)?.until ?? 0) <= now) return { entry, file };
      }
    }
    return undefined;
  }

  async function slot(entry: OutboxEntry, file: OutboxAttachment): Promise<UploadResultFrame | undefined> {
    const { localId: _localId, id, uploaded: _uploaded, ...spec } = file;
    const frame: UploadFrame & { reqId: string } = {
      type: 'upload', reqId: options.newId(), conversationId: entry.conversationId, ...(id !== undefined ? { attachmentId: id } : {}), file: spec,
    };
    try {
      return (await options.request(frame, 'upload.result')) as UploadResultFrame;
    } catch (err) {
      const error = ParleyError.from(err);
      if (error.code === ErrorCode.NOT_FOUND && id !== undefined) {
        // The server no longer knows that slot (swept, or a claim that became a message's): a new one.
        await save(changeFile(entry.clientMsgId, file.localId, ({ id: _id, uploaded: _done, ...rest }) => rest));
      } else if (error.retryable || error.code === ErrorCode.UNAUTHORIZED) {
        backOff(file.localId, error);
      } else {
        fail(entry.clientMsgId, error);
      }
      return undefined;
    }
  }

  async function put(entry: OutboxEntry, file: OutboxAttachment, blob: Blob, target: UploadResultFrame['upload']): Promise<void> {
    const controller = new AbortController();
    current = { localId: file.localId, controller };
    let stalled = false;
    let watchdog: unknown;
    const watch = () => {
      if (watchdog !== undefined) timers.clearTimeout(watchdog);
      watchdog = timers.setTimeout(() => {
        stalled = true;
        controller.abort();
      }, options.stallMs);
    };
    watch();
    let lastPercent = -1;
    setProgress(file.localId, 0, file.size);
    let status: number;
    try {
      ({ status } = await untilAborted(options.upload({
        url: options.resolveUrl(target.url),
        method: target.method,
        headers: target.headers,
        body: blob.type === file.mimeType ? blob : blob.slice(0, blob.size, file.mimeType),
        signal: controller.signal,
        onProgress(loaded) {
          if (controller.signal.aborted) return;
          watch();
          // At most one state change per percent: a UI needs no more, and each rebuilds views.
          const clamped = Math.max(0, Math.min(loaded, file.size));
          const percent = Math.floor((clamped * 100) / file.size);
          if (percent === lastPercent && clamped !== file.size) return;
          lastPercent = percent;
          setProgress(file.localId, clamped, file.size);
        },
      }), controller.signal));
    } catch (err) {
      // Stopped by the watchdog: a failure like any other (back off, try again); stopped by a
      // discard, going offline or closing: nothing to retry from here.
      if (!controller.signal.aborted || stalled) backOff(file.localId, stalled ? `no progress for ${options.stallMs} ms` : err);
      setProgress(file.localId, 0, null);
      return;
    } finally {
      current = null;
      if (watchdog !== undefined) timers.clearTimeout(watchdog);
    }
    if (status >= 200 && status < 300) {
      forgetFailures(file.localId);
      const done = changeFile(entry.clientMsgId, file.localId, (f) => ({ ...f, uploaded: true }));
      await save(done);
      setProgress(file.localId, 0, null);
      if (done && !awaitsUpload(done)) options.uploaded(done.clientMsgId);
      return;
    }
    setProgress(file.localId, 0, null);
    if (!isRefusal(status)) return backOff(file.localId, `HTTP ${status}`);
    // An expired or refused URL: the next round renews the slot, a few times.
    const times = (refused.get(file.localId) ?? 0) + 1;
    refused.set(file.localId, times);
    if (times >= MAX_REFUSED_PUTS) fail(entry.clientMsgId, new ParleyError(ErrorCode.UPLOAD_INCOMPLETE, `The upload of ${file.name} was refused (HTTP ${status})`));
  }

  async function step(entry: OutboxEntry, file: OutboxAttachment): Promise<void> {
    let blob: Blob | undefined;
    try {
      blob = await inTime(options.files.get(file.localId), 'reading the file');
    } catch (err) {
      return backOff(file.localId, err);
    }
    if (!blob || blob.size !== file.size) {
      return fail(entry.clientMsgId, new ParleyError(ErrorCode.UPLOAD_INCOMPLETE, `${file.name} is no longer on this device: send it again`));
    }
    const result = await slot(entry, file);
    if (!result || stopped) return;
    const slotted = changeFile(entry.clientMsgId, file.localId, (f) => ({
      ...f, id: result.attachment.id, ...(result.upload.uploaded ? { uploaded: true } : {}),
    }));
    // Written before the PUT: a reload renews this slot instead of leaving it to the sweep.
    await save(slotted);
    const now = slotted?.attachments?.find((f) => f.localId === file.localId);
    if (!slotted || !now || stopped || !options.isOnline()) return;
    if (now.uploaded) {
      forgetFailures(file.localId);
      if (!awaitsUpload(slotted)) options.uploaded(slotted.clientMsgId);
      return;
    }
    await put(slotted, now, blob, result.upload);
  }

  function arm(): void {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    if (stopped || !options.isOnline()) return;
    let next: number | undefined;
    for (const entry of state().outbox) {
      if (!awaitsUpload(entry)) continue;
      for (const file of entry.attachments ?? []) {
        const until = waits.get(file.localId)?.until;
        if (!file.uploaded && until !== undefined && (next === undefined || until < next)) next = until;
      }
    }
    if (next !== undefined) timer = timers.setTimeout(kick, Math.max(0, next - timers.now()));
  }

  async function run(): Promise<void> {
    running = true;
    try {
      do {
        again = false;
        for (let job = nextFile(); job && !stopped && options.isOnline(); job = nextFile()) await step(job.entry, job.file);
      } while (again && !stopped);
    } catch (err) {
      logger.error('parley: the upload loop failed', { error: String(err) });
    } finally {
      running = false;
      arm();
    }
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    void run();
  }

  return {
    /** Something changed (a message queued or retried, a new connection): uploads go on. */
    kick,
    /** The connection is down: a PUT under way stops (it starts over once online). */
    pause(): void {
      current?.controller.abort();
    },
    /**
     * A message left the outbox (acked, discarded, deleted unsent): its PUT stops and its bytes
     * are deleted from this device.
     */
    async release(entry: OutboxEntry): Promise<void> {
      for (const file of entry.attachments ?? []) {
        if (current?.localId === file.localId) current.controller.abort();
        forgetFailures(file.localId);
        setProgress(file.localId, 0, null);
        await options.files.delete(file.localId).catch((err: unknown) => logger.warn('parley: could not delete a file', { error: String(err) }));
      }
    },
    stop(): void {
      stopped = true;
      current?.controller.abort();
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
    start(): void {
      stopped = false;
    },
  };
}

export type UploadSender = ReturnType<typeof createUploadSender>;
