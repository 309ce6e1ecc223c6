/**
 * A mutex per key: work for one key runs one at a time, in arrival order; other keys are
 * unaffected. A wait for the key can be bounded: past the timeout the waiter gives up with a
 * LockTimeoutError and leaves the queue without disturbing the order of the others.
 */

/** Waiting for a key took longer than allowed (services report it as 409 `instance_busy`). */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  constructor(
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super(`'${key}' stayed busy with earlier work for ${timeoutMs} ms; try again later`);
  }
}

/** Options of a KeyedMutex, or of one run(). */
export interface KeyedMutexOptions {
  /** Give up waiting for the key after this many milliseconds (the work itself is not limited); wait forever when undefined. */
  waitTimeoutMs?: number;
}

/** Serialises async work per key (e.g. per instance id). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly defaults: KeyedMutexOptions = {}) {}

  /** Runs `work` once every earlier work for `key` has finished; throws LockTimeoutError when that takes longer than the wait timeout. */
  async run<T>(key: string, work: () => Promise<T>, opts: KeyedMutexOptions = {}): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    const forget = () => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    try {
      await waitAtMost(previous, opts.waitTimeoutMs ?? this.defaults.waitTimeoutMs, key);
    } catch (err) {
      // Giving up frees our turn, but `tail` still resolves only after `previous`: later
      // waiters, and the key's entry, keep waiting for the work that is still running.
      release();
      void tail.then(forget);
      throw err;
    }
    try {
      return await work();
    } finally {
      release();
      forget();
    }
  }
}

/** Resolves when `p` does; rejects with LockTimeoutError after `timeoutMs`. */
function waitAtMost(p: Promise<void>, timeoutMs: number | undefined, key: string): Promise<void> {
  if (timeoutMs === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LockTimeoutError(key, timeoutMs)), timeoutMs);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}
