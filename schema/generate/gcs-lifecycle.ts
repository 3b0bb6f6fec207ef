import type { RetentionPolicy } from '../retention/policy';

/** Prefixes of the processed zone's scratch areas (see `lake.scratch` in schema/retention/policy.ts). */
export const SCRATCH_PREFIXES = ['_staging/', '_activity/', '_retention/'] as const;

/** GCS lifecycle rule actions used here. */
export type GcsLifecycleAction = 'Delete' | 'AbortIncompleteMultipartUpload';

/** One rule of a bucket's lifecycle configuration (Cloud Storage JSON API, `bucket.lifecycle.rule[]`). */
export interface GcsLifecycleRule {
  action: { type: GcsLifecycleAction };
  condition: { age: number; matchesPrefix?: string[] };
}

/** What `gcloud storage buckets update --lifecycle-file` takes, and what infra/terraform/gcs reads per bucket. */
export interface GcsLifecycle {
  rule: GcsLifecycleRule[];
}

export const LAKE_BUCKETS = ['raw', 'processed', 'archive'] as const;
export type LakeBucket = (typeof LAKE_BUCKETS)[number];

/** Unfinished resumable/XML multipart uploads of a crashed writer are never needed after a day. */
const abortUploads: GcsLifecycleRule = { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 1 } };

/**
 * The lake part of the policy as GCS lifecycle rules, one configuration per zone bucket. Lifecycle can only count an
 * object's age from its creation, not from its `dt=` day, and cannot move objects between buckets, so each rule is a
 * backstop that never fires before the workflow would have acted (plus `lifecycleGraceDays`):
 *
 * - raw: no Delete. Objects leave raw only through the workflow's copy into the archive bucket; a lifecycle delete
 *   would lose what was never archived.
 * - processed: Delete at `processed.deleteAfterDays` + grace (an object is written on or after its day, so its age
 *   reaches that bound no earlier than its day does); scratch areas at `scratch.sweepAfterDays` + grace.
 * - archive: an object is created when archived, at least `raw.archiveAfterDays` after its day, so an age of
 *   `archive.deleteAfterDays - raw.archiveAfterDays` + grace is never earlier than the workflow's deletion.
 */
export function gcsLifecycle(policy: RetentionPolicy, bucket: LakeBucket): GcsLifecycle {
  const grace = policy.lifecycleGraceDays;
  const { raw, processed, archive, scratch } = policy.lake;
  const del = (age: number, matchesPrefix?: readonly string[]): GcsLifecycleRule => ({
    action: { type: 'Delete' },
    condition: { age, ...(matchesPrefix ? { matchesPrefix: [...matchesPrefix] } : {}) },
  });
  switch (bucket) {
    case 'raw':
      return { rule: [abortUploads] };
    case 'processed':
      return {
        rule: [
          del(scratch.sweepAfterDays + grace, SCRATCH_PREFIXES),
          del(processed.deleteAfterDays + grace),
          abortUploads,
        ],
      };
    case 'archive':
      return { rule: [del(archive.deleteAfterDays - raw.archiveAfterDays + grace), abortUploads] };
  }
}

export function gcsLifecycleJson(policy: RetentionPolicy, bucket: LakeBucket): string {
  return `${JSON.stringify(gcsLifecycle(policy, bucket), null, 2)}\n`;
}
