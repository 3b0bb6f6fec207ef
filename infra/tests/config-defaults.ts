/**
 * Prints, as JSON, what the Terraform must agree with: the config defaults (config/schema.ts), the Pub/Sub names the
 * bus derives from them, the retention policy, the source tables and the personal-data columns. Run by
 * infra/tests/conftest.py (`npx tsx infra/tests/config-defaults.ts`), so the HCL tests compare against the code
 * itself, never a copy.
 */
import { pubsubSubscriptionOf, pubsubTopicOf } from '../../adapters/event-bus/pubsub';
import { deadLetterStream } from '../../adapters/event-bus/stream-names';
import { envSchema } from '../../config/schema';
import { BIGQUERY_TABLES_DIR, BIGQUERY_VIEWS_DIR, GCS_LIFECYCLE_DIR } from '../../schema/generate/files';
import { RETENTION_POLICY } from '../../schema/retention/policy';
import { SOURCE_TABLES } from '../../schema/source/tables';
import { userAnalytics } from '../../schema/warehouse/dataset';
import { STREAM_CONSUMER_GROUP, streamOfShard } from '../../workflows/stream-contract';

const env = envSchema.parse({});

function pick(from: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(from).filter(([k]) => keys.includes(k)));
}
const shards = Array.from({ length: env.STREAM_SHARDS }, (_, n) => {
  const topic = pubsubTopicOf(env.PUBSUB_TOPIC, streamOfShard(n));
  const dlq = pubsubTopicOf(env.PUBSUB_TOPIC, deadLetterStream(streamOfShard(n)));
  return {
    stream: streamOfShard(n),
    topic,
    subscription: pubsubSubscriptionOf(topic, STREAM_CONSUMER_GROUP),
    deadLetterTopic: dlq,
    deadLetterSubscription: pubsubSubscriptionOf(dlq, 'reader'),
  };
});

const out = {
  env: {
    GCP_REGION: env.GCP_REGION,
    GCS_BUCKET_RAW: env.GCS_BUCKET_RAW,
    GCS_BUCKET_PROCESSED: env.GCS_BUCKET_PROCESSED,
    GCS_BUCKET_ARCHIVE: env.GCS_BUCKET_ARCHIVE,
    BIGQUERY_DATASET: env.BIGQUERY_DATASET,
    BIGQUERY_LOCATION: env.BIGQUERY_LOCATION,
    PUBSUB_TOPIC: env.PUBSUB_TOPIC,
    STREAM_SHARDS: env.STREAM_SHARDS,
    // The functions' keys, where config/schema.ts has them (checked by infra/tests when present).
    ...pick(env, ['ALERTS_TOPIC', 'QUARANTINE_BUCKET']),
  },
  generated: { BIGQUERY_TABLES_DIR, BIGQUERY_VIEWS_DIR, GCS_LIFECYCLE_DIR },
  consumerGroup: STREAM_CONSUMER_GROUP,
  shards,
  retention: RETENTION_POLICY,
  sourceTables: SOURCE_TABLES.map((t) => t.name),
  piiColumns: Object.fromEntries(
    userAnalytics.tables.map((t) => [t.name, t.columns.filter((c) => c.pii).map((c) => c.name)]),
  ),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
