import type { LockOptions, PartitionLock } from '../ports';

/**
 * A PartitionLock for one process (tests, a single worker): waiters on the same resource run one after another in
 * arrival order. Never lost, so `held` never aborts.
 */
export function createInProcessLock(): PartitionLock {
  const tails = new Map<string, Promise<void>>();
  return async <T>(resource: string, fn: (held: AbortSignal) => Promise<T>, options?: LockOptions): Promise<T> => {
    options?.signal?.throwIfAborted();
    const previous = tails.get(resource) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    tails.set(resource, tail);
    try {
      await abortable(previous, options?.signal);
      return await fn(new AbortController().signal);
    } finally {
      release();
      if (tails.get(resource) === tail) tails.delete(resource);
    }
  };
}

/** Waits for the turn `previous` (which never rejects) gives, or rejects with the signal's reason if it aborts first. */
function abortable(previous: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return previous;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    void previous.then(done, done);
  });
}
