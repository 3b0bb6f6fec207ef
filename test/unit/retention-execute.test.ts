import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../adapters/object-store/fs';
import type { EventBus, ObjectStore, Warehouse } from '../../adapters/ports';
import { createInProcessLock } from '../../adapters/lock/in-process';
import { executeStage, type Checkpoint } from '../../activities/retention/execute';
import { PLAN_VERSION, summarisePlan, type LakeItem, type RetentionPlan } from '../../activities/retention/plan';
import { planItems } from '../../activities/retention/planner';
import { RETENTION_POLICY } from '../../schema/retention/policy';
import { userAnalytics } from '../../schema/warehouse';

/**
 * The executor over a real local store (no Temporal): an attempt interrupted mid-stage, then resumed from its last
 * checkpoint, moves every planned object exactly once; a copy the interrupted attempt left behind is recognised.
 */
const AS_OF = '2026-12-01';
const text = (s: string) => new TextEncoder().encode(s);

let root: string;
let store: FsObjectStore;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-exec-'));
  store = new FsObjectStore({ raw: `${root}/raw`, processed: `${root}/processed`, archive: `${root}/archive` });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** Counts moveToArchive calls per key, and fails the call after `failAfter` of them (a worker dying mid-batch). */
function counting(inner: ObjectStore, failAfter = Infinity) {
  const calls = new Map<string, number>();
  const started: Promise<unknown>[] = [];
  let total = 0;
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'moveToArchive') {
        return async (zone: 'raw', key: string) => {
          if (++total > failAfter) {
            // Die once the moves already under way have landed, so the test knows exactly what was done.
            await Promise.allSettled(started);
            throw new Error('worker killed');
          }
          calls.set(key, (calls.get(key) ?? 0) + 1);
          const move = target.moveToArchive(zone, key);
          started.push(move);
          return move;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, calls };
}

async function seed(partitions: string[], files: number): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for (const day of partitions) {
    const names = Array.from({ length: files }, (_, i) => ({ name: `part-${i}.parquet`, body: text(`${day}#${i}`) }));
    const snap = await store.replacePartition('raw', `users/dt=${day}`, names);
    for (const [i, key] of snap.keys.entries()) contents.set(key, `${day}#${i}`);
    contents.set(
      `users/dt=${day}/_SUCCESS`,
      new TextDecoder().decode(await store.get('raw', `users/dt=${day}/_SUCCESS`)),
    );
  }
  return contents;
}

async function plan(): Promise<RetentionPlan> {
  const listings = {
    raw: await store.listObjects('raw', ''),
    processed: await store.listObjects('processed', ''),
    archive: await store.listObjects('archive', ''),
  };
  return {
    version: PLAN_VERSION,
    asOf: AS_OF,
    workflowId: 'wf',
    runId: 'run',
    dryRun: false,
    createdAt: new Date().toISOString(),
    policy: RETENTION_POLICY,
    items: planItems(RETENTION_POLICY, AS_OF, { listings, finishedRuns: new Set(), warehouse: [], streams: [] }),
  };
}

const deps = (s: ObjectStore) => ({
  store: s,
  warehouse: {} as Warehouse,
  bus: {} as EventBus,
  dataset: userAnalytics,
  lock: createInProcessLock(),
});

describe('retention executor', () => {
  it('resumes an interrupted stage from its checkpoint: every object moved once, the half-moved one recognised', async () => {
    const contents = await seed(['2026-10-01', '2026-10-02', '2026-10-03'], 5);
    const p = await plan();
    const planned = summarisePlan(p.items);
    expect(planned.map((t) => [t.target, t.action, t.items, t.objects])).toEqual([['raw/users', 'archive', 3, 18]]);

    // Attempt 1 dies on its 9th move: batches of 4 → checkpoints after 4 and 6 (first partition), then 4 more moved
    // of the second partition's first batch, the 9th throws; the lost batch's 2 moves were never checkpointed.
    const first = counting(store, 8);
    let last: Checkpoint | undefined;
    await expect(
      executeStage(deps(first.store), p, 'archive-raw', { batchSize: 4, onCheckpoint: (c) => (last = c) }),
    ).rejects.toThrow('worker killed');
    expect(last).toMatchObject({ stage: 'archive-raw', item: 1, object: 0 });
    const archivedBefore = new Map((await store.listObjects('archive', '')).map((o) => [o.key, o.version]));
    expect(archivedBefore.size).toBe(8);
    // And one more object copied by a dying attempt whose delete never ran.
    const halfMoved = (p.items[1] as LakeItem).objects[3]!.key;
    await store.put('archive', halfMoved, text(contents.get(halfMoved)!));

    const second = counting(store);
    const done = await executeStage(deps(second.store), p, 'archive-raw', {
      from: last,
      batchSize: 4,
      onCheckpoint: (c) => (last = c),
    });
    expect(done.targets).toEqual(planned);
    expect(done.resumedFrom).toEqual({ item: 1, object: 0 });
    expect(done.vanished).toBe(0);
    // The lost batch's moves (2) and the half-moved copy (1) are recognised, not copied again.
    expect(done.recognised).toBe(3);
    // Nothing before the checkpoint was touched again; nothing after it twice.
    for (const key of second.calls.keys()) expect(key.startsWith('users/dt=2026-10-01/')).toBe(false);
    expect([...second.calls.values()].every((n) => n === 1)).toBe(true);
    for (const [key, version] of archivedBefore) {
      if (key.startsWith('users/dt=2026-10-01/')) {
        expect((await store.listObjects('archive', key))[0]?.version, key).toBe(version);
      }
    }
    // Nothing lost: every object in the archive with its bytes, nothing left in raw (nor its empty directories).
    for (const [key, body] of contents) expect(new TextDecoder().decode(await store.get('archive', key))).toBe(body);
    expect(await store.list('raw', '')).toEqual([]);
    expect(fs.readdirSync(`${root}/raw`)).toEqual([]);
    expect(last).toMatchObject({ item: 3, object: 0 });
  });

  it('counts an object gone before its turn as vanished, not executed', async () => {
    await seed(['2026-10-01'], 3);
    const p = await plan();
    await store.delete('raw', 'users/dt=2026-10-01/part-1.parquet');
    const done = await executeStage(deps(store), p, 'archive-raw', { batchSize: 2, onCheckpoint: () => undefined });
    expect(done.vanished).toBe(1);
    expect(done.targets[0]).toMatchObject({ items: 1, objects: 3 }); // of 4 planned (3 files + _SUCCESS)
    expect(await store.list('archive', '')).toHaveLength(3);
  });

  it('a second execution of a finished stage changes nothing', async () => {
    await seed(['2026-10-01'], 2);
    const p = await plan();
    const checkpoints: Checkpoint[] = [];
    await executeStage(deps(store), p, 'archive-raw', { batchSize: 1, onCheckpoint: (c) => checkpoints.push(c) });
    // One checkpoint per object (batch size 1) and one per finished item.
    expect(checkpoints.map((c) => [c.item, c.object])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
    ]);
    const versions = (await store.listObjects('archive', '')).map((o) => o.version);
    const again = await executeStage(deps(store), p, 'archive-raw', {
      from: checkpoints.at(-1),
      batchSize: 1,
      onCheckpoint: () => undefined,
    });
    expect(again.targets).toEqual(summarisePlan(p.items));
    expect((await store.listObjects('archive', '')).map((o) => o.version)).toEqual(versions);
  });
});
