import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GcsObjectStore } from '../../adapters/object-store/gcs';
import { FsObjectStore } from '../../adapters/object-store/fs';
import { loadConfig, parseConfig } from '../../config';
import { buildAdapters } from '../../workers/adapters';
import { TEST_ENV } from '../test-env';

/**
 * What `buildAdapters` hands the workers besides the ports: the platform it chose for, and the lake partition lock,
 * which must exclude holders across bundles (one bundle per worker process) through the test platform's Redis.
 */
describe('the adapters bundle', () => {
  it('locally: platform local, and one partition lock across bundles', async () => {
    const config = loadConfig();
    const bundles = [buildAdapters(config, () => undefined), buildAdapters(config, () => undefined)];
    try {
      expect(bundles.map((b) => b.platform)).toEqual(['local', 'local']);
      expect(bundles[0]!.store).toBeInstanceOf(FsObjectStore);
      const resource = `test:worker-adapters:${randomUUID()}`;
      let active = 0;
      let peak = 0;
      await Promise.all(
        [0, 1, 0, 1].map((i) =>
          bundles[i]!.lock(resource, async () => {
            active++;
            peak = Math.max(peak, active);
            await sleep(30);
            active--;
          }),
        ),
      );
      expect(peak).toBe(1);
    } finally {
      await Promise.all(bundles.map((b) => b.close()));
    }
  });

  it('on gcp: platform gcp (nothing is contacted until used)', async () => {
    const adapters = buildAdapters(
      parseConfig({
        ...TEST_ENV,
        PLATFORM: 'gcp',
        GCP_PROJECT_ID: 'hire10x-test',
        DATAPROC_JOBS_URI: 'gs://hire10x-jobs/jobs',
      }),
      () => undefined,
    );
    try {
      expect(adapters.platform).toBe('gcp');
      expect(adapters.store).toBeInstanceOf(GcsObjectStore);
    } finally {
      await adapters.close();
    }
  });
});
