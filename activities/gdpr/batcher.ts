/**
 * Coalesces concurrent erasure activities of one worker process into batches: the first call opens a window of
 * `windowMs`; calls arriving meanwhile (up to `maxSubjects`) join it; the batch then runs as one pass over the store
 * and each call gets its own subject's result. One batch runs at a time per pass: calls that arrive while it runs
 * form the next batch, which starts as soon as the running one ends (group commit), so under a burst the batches
 * grow by themselves and one request alone waits only `windowMs`.
 *
 * Failure isolation: when a batch of several fails, each of its subjects runs again alone, so one subject's failure
 * (a malformed subject, a file that cannot be rewritten for them) fails only that subject's activity; the others
 * get their results as if they had run alone. Every pass is idempotent, so running a subject again is safe.
 */
export interface BatchOptions {
  /** How long the first call of a batch waits for others. @default 1000 */
  windowMs?: number;
  /** Most subjects in one batch. @default 100 */
  maxSubjects?: number;
  /** Called as each batch starts, with the pass's name and the batch's size (metrics, logs, tests). */
  onBatch?: (pass: string, subjects: number) => void;
}

export interface BatchStats {
  /** Batches run (a subject re-run alone after a failed batch counts as one more). */
  batches: number;
  /** Subjects processed, over all batches. */
  subjects: number;
  /** Largest batch run. */
  largest: number;
  /** Batches that failed as a whole and were re-run subject by subject. */
  splits: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class Coalescer<I, O> {
  private readonly windowMs: number;
  private readonly maxSubjects: number;
  private pending: Array<Pending<I, O>> = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  readonly stats: BatchStats = { batches: 0, subjects: 0, largest: 0, splits: 0 };

  /** @param pass runs one batch; element i of its result is `items[i]`'s. */
  constructor(
    readonly name: string,
    private readonly pass: (items: I[]) => Promise<O[]>,
    private readonly options: BatchOptions = {},
  ) {
    this.windowMs = Math.max(0, options.windowMs ?? 1000);
    this.maxSubjects = Math.max(1, options.maxSubjects ?? 100);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxSubjects) this.flushSoon(0);
      else this.flushSoon(this.windowMs);
    });
  }

  private flushSoon(delayMs: number): void {
    if (this.running) return; // the running batch's end starts the next one
    if (this.timer && delayMs > 0) return; // the window is already open
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  private async flush(): Promise<void> {
    if (this.running || this.pending.length === 0) return;
    this.running = true;
    const batch = this.pending.splice(0, this.maxSubjects);
    try {
      await this.runBatch(batch);
    } finally {
      this.running = false;
      // Calls that arrived meanwhile have waited at least as long as the window: start at once.
      if (this.pending.length > 0) this.flushSoon(0);
    }
  }

  private async runBatch(batch: Array<Pending<I, O>>): Promise<void> {
    this.stats.batches++;
    this.stats.subjects += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    this.options.onBatch?.(this.name, batch.length);
    let results: O[];
    try {
      results = await this.pass(batch.map((p) => p.item));
      if (results.length !== batch.length) {
        throw new Error(`a batch pass returned ${results.length} results for ${batch.length} subjects`);
      }
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      this.stats.splits++;
      for (const p of batch) await this.runBatch([p]);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as O));
  }
}
