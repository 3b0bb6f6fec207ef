import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../activities/gdpr/batcher';

/** The coalescer alone, over a pass that records its batches (the real passes are in gdpr-batch.test.ts). */
function recordingPass(fail?: (item: string) => boolean) {
  const batches: string[][] = [];
  const pass = (items: string[]) => {
    batches.push([...items]);
    const bad = fail ? items.find(fail) : undefined;
    if (bad) return Promise.reject(new Error(`cannot process ${bad}`));
    return Promise.resolve(items.map((i) => `done:${i}`));
  };
  return { batches, pass };
}

describe('erasure batch coalescer', () => {
  it('runs concurrent calls as one batch and gives each its own result', async () => {
    const { batches, pass } = recordingPass();
    const seen: number[] = [];
    const c = new Coalescer('test', pass, { windowMs: 20, onBatch: (_n, size) => seen.push(size) });
    const results = await Promise.all(['a', 'b', 'c'].map((x) => c.submit(x)));
    expect(results).toEqual(['done:a', 'done:b', 'done:c']);
    expect(batches).toEqual([['a', 'b', 'c']]);
    expect(seen).toEqual([3]);
  });

  it('caps a batch at maxSubjects and runs the rest as the next batch', async () => {
    const { batches, pass } = recordingPass();
    const c = new Coalescer('test', pass, { windowMs: 1_000, maxSubjects: 2 });
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => c.submit(x)));
    expect(results).toEqual(['done:a', 'done:b', 'done:c', 'done:d', 'done:e']);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(batches.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('calls arriving while a batch runs form the next batch, not one each', async () => {
    let release: () => void = () => undefined;
    const batches: string[][] = [];
    const c = new Coalescer(
      'test',
      async (items: string[]) => {
        batches.push([...items]);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
        return items;
      },
      { windowMs: 0 },
    );
    const first = c.submit('a');
    await new Promise((r) => setTimeout(r, 20)); // 'a' is running
    const later = ['b', 'c', 'd'].map((x) => c.submit(x));
    release();
    expect(await Promise.all([first, ...later])).toEqual(['a', 'b', 'c', 'd']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it("one subject's failure fails only that subject: the batch is re-run subject by subject", async () => {
    const { batches, pass } = recordingPass((i) => i === 'bad');
    const c = new Coalescer('test', pass, { windowMs: 20 });
    const settled = await Promise.allSettled(['a', 'bad', 'c'].map((x) => c.submit(x)));
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 'done:a' });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { message: 'cannot process bad' } });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 'done:c' });
    expect(batches).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    expect(c.stats).toMatchObject({ splits: 1, largest: 3 });
  });

  it('refuses a pass that returns the wrong number of results (never hands one subject another’s)', async () => {
    const c = new Coalescer('test', (items: string[]) => Promise.resolve(items.slice(1)), { windowMs: 10 });
    const settled = await Promise.allSettled(['a', 'b'].map((x) => c.submit(x)));
    for (const s of settled) expect(s.status).toBe('rejected');
  });
});
