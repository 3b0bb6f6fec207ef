import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType, PlatformError } from '../../adapters/errors';
import { GcsObjectStore } from '../../adapters/object-store/gcs';
import { FsObjectStore } from '../../adapters/object-store/fs';
import { readPartitionFiles } from '../../adapters/object-store/partition-reader';
import type { ObjectStore, Zone } from '../../adapters/ports';
import { fakeGcsBinary, findEmulator, startFakeGcs, type RunningEmulator } from '../helpers/emulators';

/** What an adapter (or the emulator it is tested on) can do; the suite skips only what is declared false. */
interface ObjectStoreCapabilities {
  /** Create-if-absent is enforced by the service (`ifGenerationMatch=0`). */
  conditionalCreate: boolean;
}

interface Harness {
  name: string;
  capabilities: ObjectStoreCapabilities;
  /** Why the harness cannot run here (emulator binary missing); the adapter's cases are then skipped. */
  missing?: string;
  setup: () => Promise<{ store: ObjectStore; uriPattern: RegExp; teardown: () => Promise<void> }>;
}

const tmpRoot = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hire10x-store-'));

const fakeGcs = findEmulator(fakeGcsBinary);

const harnesses: Harness[] = [
  {
    name: 'local fs',
    capabilities: { conditionalCreate: true },
    setup: () => {
      const root = tmpRoot();
      const store = new FsObjectStore({
        raw: path.join(root, 'raw'),
        processed: path.join(root, 'processed'),
        archive: path.join(root, 'archive'),
      });
      return Promise.resolve({
        store,
        uriPattern: new RegExp(`^${root}/raw/`),
        teardown: () => Promise.resolve(fs.rmSync(root, { recursive: true, force: true })),
      });
    },
  },
  {
    name: 'GCS on fake-gcs-server',
    capabilities: { conditionalCreate: true },
    missing: fakeGcs.missing,
    setup: async () => {
      const emulator: RunningEmulator = await startFakeGcs(fakeGcs.binary);
      const store = new GcsObjectStore({
        projectId: 'test',
        apiEndpoint: emulator.endpoint,
        buckets: { raw: 'test-raw', processed: 'test-processed', archive: 'test-archive' },
        // Small threshold so the suite exercises resumable uploads without huge fixtures.
        resumableThresholdBytes: 256 * 1024,
      });
      await store.ensureBuckets();
      return { store, uriPattern: /^gs:\/\/test-raw\//, teardown: () => emulator.stop() };
    },
  },
];

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => Buffer.from(b).toString('utf8');

async function expectPlatformError(promise: Promise<unknown>, type: string, mentions?: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${type} PlatformError`).toBeInstanceOf(PlatformError);
  expect((err as PlatformError).type).toBe(type);
  if (mentions) expect((err as PlatformError).message).toContain(mentions);
}

describe.each(harnesses)('ObjectStore contract: $name', ({ capabilities, missing, setup }) => {
  if (missing) console.warn(`skipping: ${missing}`);
  let store: ObjectStore;
  let uriPattern: RegExp;
  let teardown: () => Promise<void>;
  const zone: Zone = 'raw';

  beforeAll(async () => {
    if (missing) return;
    ({ store, uriPattern, teardown } = await setup());
  });
  afterAll(async () => {
    await store?.close();
    await teardown?.();
  });

  describe.skipIf(Boolean(missing))('objects', () => {
    it('answers ping in every zone', async () => {
      expect((await store.ping()).detail).toBeTruthy();
    });

    it('puts, gets and overwrites an object', async () => {
      await store.put(zone, 'obj/a.txt', text('one'));
      expect(str(await store.get(zone, 'obj/a.txt'))).toBe('one');
      await store.put(zone, 'obj/a.txt', text('two'));
      expect(str(await store.get(zone, 'obj/a.txt'))).toBe('two');
    });

    it('keeps zones apart', async () => {
      await store.put('processed', 'zones/x', text('p'));
      await expectPlatformError(store.get('raw', 'zones/x'), ErrorType.NotFound, 'zones/x');
    });

    it('reports a missing object as a non-retryable NotFound naming the key', async () => {
      await expectPlatformError(store.get(zone, 'nope/missing.bin'), ErrorType.NotFound, 'nope/missing.bin');
      const err = await store.get(zone, 'nope/missing.bin').catch((e: unknown) => e);
      expect((err as PlatformError).nonRetryable).toBe(true);
    });

    it.skipIf(!capabilities.conditionalCreate)('creates an object only when absent', async () => {
      expect(await store.putIfAbsent(zone, 'once/marker', text('first'))).toBe(true);
      expect(await store.putIfAbsent(zone, 'once/marker', text('second'))).toBe(false);
      expect(str(await store.get(zone, 'once/marker'))).toBe('first');
    });

    it('streams a large file up and down intact', async () => {
      const dir = tmpRoot();
      try {
        const big = Buffer.alloc(3 * 1024 * 1024 + 17);
        for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
        fs.writeFileSync(path.join(dir, 'big.parquet'), big);
        await store.putFile(zone, 'big/part-0.parquet', path.join(dir, 'big.parquet'));
        await store.download(zone, 'big/part-0.parquet', path.join(dir, 'back', 'big.parquet'));
        expect(Buffer.compare(fs.readFileSync(path.join(dir, 'back', 'big.parquet')), big)).toBe(0);
        expect(fs.readdirSync(path.join(dir, 'back'))).toEqual(['big.parquet']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a missing local file with NotFound', async () => {
      await expectPlatformError(store.putFile(zone, 'x/y', '/nonexistent/file.parquet'), ErrorType.NotFound);
    });

    it('lists by plain string prefix, sorted, without in-flight temp files', async () => {
      await store.put(zone, 'list/b/2', text('x'));
      await store.put(zone, 'list/b/1', text('x'));
      await store.put(zone, 'list/bc/1', text('x'));
      await store.put(zone, 'list/a', text('x'));
      expect(await store.list(zone, 'list/b/')).toEqual(['list/b/1', 'list/b/2']);
      expect(await store.list(zone, 'list/b')).toEqual(['list/b/1', 'list/b/2', 'list/bc/1']);
      expect(await store.list(zone, 'list/')).toEqual(['list/a', 'list/b/1', 'list/b/2', 'list/bc/1']);
      expect(await store.list(zone, 'absent/')).toEqual([]);
    });

    it('lists objects with their size, write time and a version that changes on rewrite', async () => {
      const before = Date.now() - 60_000;
      await store.put(zone, 'info/a.bin', text('12345'));
      await store.put(zone, 'info/b/c.bin', new Uint8Array(0));
      await store.put(zone, 'infox/d.bin', text('x'));
      const listed = await store.listObjects(zone, 'info/');
      expect(listed.map((o) => [o.key, o.size])).toEqual([
        ['info/a.bin', 5],
        ['info/b/c.bin', 0],
      ]);
      for (const o of listed) {
        expect(Date.parse(o.updated)).toBeGreaterThan(before);
        expect(o.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(o.version).not.toBe('');
      }
      expect((await store.listObjects(zone, 'info')).map((o) => o.key)).toEqual(await store.list(zone, 'info'));
      const [first] = listed;
      expect((await store.listObjects(zone, 'info/a.bin'))[0]?.version).toBe(first?.version);
      await store.put(zone, 'info/a.bin', text('12345'));
      expect((await store.listObjects(zone, 'info/a.bin'))[0]?.version).not.toBe(first?.version);
      expect(await store.listObjects(zone, 'absent/')).toEqual([]);
    });

    it('deletes idempotently, and by prefix', async () => {
      await store.put(zone, 'del/1', text('x'));
      await store.delete(zone, 'del/1');
      await store.delete(zone, 'del/1');
      await expectPlatformError(store.get(zone, 'del/1'), ErrorType.NotFound);
      for (const k of ['dp/a/1', 'dp/a/2', 'dp/b/1']) await store.put(zone, k, text('x'));
      expect(await store.deletePrefix(zone, 'dp/a/')).toBe(2);
      expect(await store.list(zone, 'dp/')).toEqual(['dp/b/1']);
      expect(await store.deletePrefix(zone, 'dp/a/')).toBe(0);
      await expectPlatformError(store.deletePrefix(zone, ''), ErrorType.InvalidInput);
    });

    it.each(['', '/abs/key', 'a/../../etc/passwd', 'a//b', './a', 'a/.', 'a\\b', 'nul\0byte'])(
      'refuses the key %j as InvalidInput',
      async (key) => {
        await expectPlatformError(store.put(zone, key, text('x')), ErrorType.InvalidInput);
        await expectPlatformError(store.get(zone, key), ErrorType.InvalidInput);
      },
    );

    it('keeps injection-looking keys as plain data', async () => {
      const key = "odd/'; DROP TABLE x; --/名前 with spaces.txt";
      await store.put(zone, key, text('safe'));
      expect(str(await store.get(zone, key))).toBe('safe');
      expect(await store.list(zone, 'odd/')).toEqual([key]);
    });

    it('gives a platform URI for loaders', () => {
      expect(store.uri(zone, 't/dt=2026-11-27/part-0.parquet')).toMatch(uriPattern);
      expect(() => store.uri(zone, '../x')).toThrow(PlatformError);
    });
  });

  describe.skipIf(Boolean(missing))('partitions', () => {
    const prefix = 'fact_test/dt=2026-11-27';

    it('replaces a whole partition; readers see exactly the committed files', async () => {
      expect(await store.readPartition(zone, prefix)).toBeUndefined();
      const first = await store.replacePartition(zone, prefix, [
        { name: 'part-0.parquet', body: text('g1-0') },
        { name: 'part-1.parquet', body: text('g1-1') },
      ]);
      expect(first.keys).toHaveLength(2);
      const read1 = await readPartitionFiles(store, zone, prefix);
      expect([...(read1?.files.values() ?? [])].map(str).sort()).toEqual(['g1-0', 'g1-1']);

      const second = await store.replacePartition(zone, prefix, [{ name: 'part-0.parquet', body: text('g2-0') }]);
      expect(second.generation).not.toBe(first.generation);
      const read2 = await readPartitionFiles(store, zone, prefix);
      expect(read2?.generation).toBe(second.generation);
      expect([...(read2?.files.values() ?? [])].map(str)).toEqual(['g2-0']);
      // The replaced generation is gone, not just hidden.
      const all = await store.list(zone, `${prefix}/`);
      expect(all.filter((k) => k.endsWith('.parquet'))).toEqual(second.keys);
    });

    it('re-running the same replace leaves the same partition (no duplicates)', async () => {
      const p = 'rerun/dt=2026-11-27';
      const files = [
        { name: 'a.parquet', body: text('a') },
        { name: 'b.parquet', body: text('b') },
      ];
      await store.replacePartition(zone, p, files);
      await store.replacePartition(zone, p, files);
      const read = await readPartitionFiles(store, zone, p);
      expect(read?.files.size).toBe(2);
      expect((await store.list(zone, `${p}/`)).filter((k) => k.endsWith('.parquet'))).toHaveLength(2);
    });

    it('copies partition files from local paths', async () => {
      const dir = tmpRoot();
      try {
        fs.writeFileSync(path.join(dir, 'x.parquet'), 'from-disk');
        const snap = await store.replacePartition(zone, 'fromfile/dt=2026-01-01', [
          { name: 'x.parquet', path: path.join(dir, 'x.parquet') },
        ]);
        expect(str(await store.get(zone, snap.keys[0] ?? ''))).toBe('from-disk');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('leaves the old partition intact when a replace fails', async () => {
      const p = 'failing/dt=2026-11-27';
      await store.replacePartition(zone, p, [{ name: 'ok.parquet', body: text('old') }]);
      await expect(
        store.replacePartition(zone, p, [
          { name: 'new.parquet', body: text('new') },
          { name: 'missing.parquet', path: '/nonexistent/missing.parquet' },
        ]),
      ).rejects.toBeInstanceOf(PlatformError);
      const read = await readPartitionFiles(store, zone, p);
      expect([...(read?.files.values() ?? [])].map(str)).toEqual(['old']);
    });

    it('refuses bad partition file names and prefixes', async () => {
      await expectPlatformError(
        store.replacePartition(zone, prefix, [{ name: '../escape', body: text('x') }]),
        ErrorType.InvalidInput,
        '../escape',
      );
      await expectPlatformError(
        store.replacePartition(zone, prefix, [
          { name: 'dup', body: text('x') },
          { name: 'dup', body: text('y') },
        ]),
        ErrorType.InvalidInput,
        'dup',
      );
      await expectPlatformError(store.replacePartition(zone, '../up', []), ErrorType.InvalidInput);
    });

    it('never shows a reader half a partition while it is being replaced', async () => {
      const p = 'atomic/dt=2026-11-27';
      const fileCount = 4;
      const generation = (g: number) =>
        Array.from({ length: fileCount }, (_, i) => ({ name: `part-${i}.parquet`, body: text(`gen-${g}`) }));
      await store.replacePartition(zone, p, generation(0));
      let writing = true;
      const seen = new Set<string>();
      const reader = (async () => {
        let reads = 0;
        while (writing || reads < 3) {
          const content = await readPartitionFiles(store, zone, p, { attempts: 200 });
          const values = new Set([...(content?.files.values() ?? [])].map(str));
          expect(content?.files.size).toBe(fileCount);
          expect(values.size, `mixed generations: ${[...values].join(', ')}`).toBe(1);
          seen.add([...values][0] ?? '');
          reads++;
        }
      })();
      for (let g = 1; g <= 25; g++) await store.replacePartition(zone, p, generation(g));
      writing = false;
      await reader;
      expect(seen.has('gen-25')).toBe(true);
    });
  });

  describe.skipIf(Boolean(missing))('archive', () => {
    it('moves an object to the archive zone, idempotently', async () => {
      await store.put('processed', 'arch/x.parquet', text('payload'));
      expect(await store.moveToArchive('processed', 'arch/x.parquet')).toBe('moved');
      expect(await store.moveToArchive('processed', 'arch/x.parquet')).toBe('already');
      expect(str(await store.get('archive', 'arch/x.parquet'))).toBe('payload');
      await expectPlatformError(store.get('processed', 'arch/x.parquet'), ErrorType.NotFound);
      expect(await store.list('processed', 'arch/')).toEqual([]);
    });

    it('recognises a copy an interrupted move left behind, and does not copy again', async () => {
      // An earlier attempt copied the object and died before deleting the source.
      await store.put('raw', 'arch/half/dt=2026-01-01/part-0.parquet', text('same bytes'));
      await store.put('archive', 'arch/half/dt=2026-01-01/part-0.parquet', text('same bytes'));
      const [copy] = await store.listObjects('archive', 'arch/half/');
      expect(await store.moveToArchive('raw', 'arch/half/dt=2026-01-01/part-0.parquet')).toBe('completed');
      const [after] = await store.listObjects('archive', 'arch/half/');
      expect(after?.version).toBe(copy?.version);
      expect(await store.list('raw', 'arch/half/')).toEqual([]);
    });

    it('overwrites an archived copy that differs from the source', async () => {
      await store.put('raw', 'arch/stale/part-0.parquet', text('new content'));
      await store.put('archive', 'arch/stale/part-0.parquet', text('old'));
      expect(await store.moveToArchive('raw', 'arch/stale/part-0.parquet')).toBe('moved');
      expect(str(await store.get('archive', 'arch/stale/part-0.parquet'))).toBe('new content');
    });

    it('reports NotFound when neither the object nor its archived copy exist', async () => {
      await expectPlatformError(store.moveToArchive('raw', 'arch/never'), ErrorType.NotFound, 'arch/never');
    });

    it('refuses to archive from the archive zone', async () => {
      await expectPlatformError(store.moveToArchive('archive' as 'raw', 'arch/x.parquet'), ErrorType.InvalidInput);
    });
  });
});
