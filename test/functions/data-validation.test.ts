import fs from 'node:fs';
import path from 'node:path';
import type { Message } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubEventBus } from '../../adapters/event-bus/pubsub';
import { registerFunctions } from '../../functions/register';
import {
  fakeGcsBinary,
  findEmulator,
  pubSubEmulatorJar,
  startFakeGcs,
  startPubSubEmulator,
  type RunningEmulator,
} from '../helpers/emulators';
import { postCloudEvent, recordingLog, serveFunction } from '../helpers/functions';
import { ParquetFixtures } from '../helpers/parquet-fixtures';
import { until } from '../helpers/until';

/**
 * dataValidation through the Functions Framework's server: objects in fake-gcs-server, alerts on the Pub/Sub
 * emulator, Parquet written by DuckDB the way the extract writes it.
 */
const PROJECT = 'functions-test';
const RAW = 'hire10x-raw';
const QUARANTINE = 'hire10x-quarantine';
const ALERTS = 'hire10x-alerts';
const gcsTool = findEmulator(fakeGcsBinary);
const pubSubTool = findEmulator(() => pubSubEmulatorJar().jar);

const AUTH_EVENT_COLUMNS = `1::BIGINT AS event_id, 7::BIGINT AS tenant_id, 42::BIGINT AS user_id,
  'a@example.test' AS attempted_email, 'login' AS event_type, '10.0.0.1' AS ip, 'ua' AS user_agent,
  NULL::VARCHAR AS failure_reason`;

describe.skipIf(Boolean(gcsTool.missing || pubSubTool.missing))(
  'dataValidation (Functions Framework, fake-gcs, Pub/Sub emulator)',
  () => {
    let gcs: RunningEmulator;
    let pubsub: RunningEmulator;
    let storage: Storage;
    let bus: PubSubEventBus;
    let url: string;
    let close: () => Promise<void>;
    const fixtures = new ParquetFixtures();
    const recorder = recordingLog();
    const alerts: Message[] = [];
    let generation = 0;

    async function upload(file: string, key: string, bucket = RAW): Promise<string> {
      const [uploaded] = await storage.bucket(bucket).upload(file, { destination: key });
      return String(uploaded.metadata.generation);
    }
    const finalize = (key: string, gen: string, bucket = RAW) =>
      postCloudEvent(url, {
        type: 'google.cloud.storage.object.v1.finalized',
        source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
        subject: `objects/${key}`,
        data: { bucket, name: key, generation: gen, contentType: 'application/octet-stream' },
      });
    const outcomes = (key: string) =>
      recorder.entries.filter((e) => e.fields.object === key).map((e) => e.fields.outcome as string);
    const exists = async (bucket: string, key: string) => (await storage.bucket(bucket).file(key).exists())[0];
    const partKey = (table: string) => `${table}/dt=2026-01-05/_gen=20260105T000000000Z-${++generation}/part-0.parquet`;

    beforeAll(async () => {
      [gcs, pubsub] = await Promise.all([startFakeGcs(gcsTool.binary), startPubSubEmulator()]);
      storage = new Storage({ projectId: PROJECT, apiEndpoint: gcs.endpoint });
      await storage.createBucket(RAW);
      await storage.createBucket(QUARANTINE);
      await storage.createBucket('someone-elses-bucket');
      bus = new PubSubEventBus({ projectId: PROJECT, topic: ALERTS, apiEndpoint: pubsub.endpoint });
      const [topic] = await bus.pubsub.createTopic(ALERTS);
      const [subscription] = await topic.createSubscription('test');
      subscription.on('message', (m: Message) => {
        alerts.push(m);
        m.ack();
      });
      registerFunctions({
        eventProcessor: () => {
          throw new Error('not under test');
        },
        dataValidation: () => ({
          storage,
          rawBucket: RAW,
          quarantineBucket: QUARANTINE,
          alerts: bus.topic,
          log: recorder.log,
        }),
        alertHandler: () => {
          throw new Error('not under test');
        },
      });
      ({ url, close } = await serveFunction('dataValidation'));
    }, 120_000);

    afterAll(async () => {
      await close?.();
      await bus?.close();
      await fixtures.close();
      await Promise.allSettled([gcs?.stop(), pubsub?.stop()]);
    });

    it('leaves a file that matches its table contract where it is, without an alert', async () => {
      const file = await fixtures.write(
        `SELECT ${AUTH_EVENT_COLUMNS}, TIMESTAMPTZ '2026-01-05 10:00:00+00' AS occurred_at`,
      );
      const key = partKey('auth_events');
      const res = await finalize(key, await upload(file, key));
      expect(res.ok).toBe(true);
      expect(outcomes(key)).toEqual(['valid']);
      expect(await exists(RAW, key)).toBe(true);
      expect((await storage.bucket(QUARANTINE).getFiles({ prefix: `raw/` }))[0].map((f) => f.name)).not.toContainEqual(
        expect.stringContaining(key),
      );
    });

    it('quarantines a file that breaks the contract: copied with its reason, alerted, deleted; a redelivery changes nothing', async () => {
      // occurred_at as text and user_id missing: what a drifted extract would write.
      const file = await fixtures.write(
        `SELECT 1::BIGINT AS event_id, 7::BIGINT AS tenant_id, 'a@example.test' AS attempted_email, 'login' AS event_type,
       '10.0.0.1' AS ip, 'ua' AS user_agent, NULL::VARCHAR AS failure_reason, '2026-01-05 10:00:00' AS occurred_at`,
      );
      const key = partKey('auth_events');
      const gen = await upload(file, key);
      const res = await finalize(key, gen);
      expect(res.ok).toBe(true);
      expect(outcomes(key)).toEqual(['quarantined']);
      expect(await exists(RAW, key)).toBe(false);
      const copy = storage.bucket(QUARANTINE).file(`raw/g=${gen}/${key}`);
      const [bytes] = await copy.download();
      expect(bytes.equals(fs.readFileSync(file))).toBe(true);
      const [metadata] = await copy.getMetadata();
      expect(metadata.metadata).toMatchObject({
        quarantine_reason: 'schema_mismatch',
        source: `gs://${RAW}/${key}#${gen}`,
      });
      expect(String(metadata.metadata?.quarantine_detail)).toMatch(
        /user_id \(int64\) is missing.*occurred_at is BYTE_ARRAY \(\w+\), expected timestamp/,
      );
      const alert = await until('the quarantine alert', () =>
        Promise.resolve(alerts.find((m) => m.attributes.key === `data_quarantine:${RAW}/${key}#${gen}`)),
      );
      expect(alert.attributes).toMatchObject({ kind: 'data_quarantine', severity: 'error' });
      expect(JSON.parse(alert.data.toString())).toMatchObject({
        version: 1,
        kind: 'data_quarantine',
        source: 'function:dataValidation',
      });

      // Eventarc delivers at least once: the same event again finds the generation gone and does nothing more.
      const copyGeneration = metadata.generation;
      expect((await finalize(key, gen)).ok).toBe(true);
      expect(outcomes(key)).toEqual(['quarantined', 'gone']);
      expect((await copy.getMetadata())[0].generation).toBe(copyGeneration);
    });

    it('finishes a quarantine interrupted after the copy: no second copy, source deleted, alert sent', async () => {
      const file = await fixtures.write(`SELECT ${AUTH_EVENT_COLUMNS}, 5::BIGINT AS occurred_at`);
      const key = partKey('auth_events');
      const gen = await upload(file, key);
      // A previous delivery copied the object and died before publishing and deleting.
      const copyKey = `raw/g=${gen}/${key}`;
      const [copied] = await storage.bucket(RAW).file(key).copy(storage.bucket(QUARANTINE).file(copyKey));
      const copyGeneration = String((await copied.getMetadata())[0].generation);
      expect((await finalize(key, gen)).ok).toBe(true);
      expect(outcomes(key)).toEqual(['quarantined']);
      expect(await exists(RAW, key)).toBe(false);
      expect(String((await storage.bucket(QUARANTINE).file(copyKey).getMetadata())[0].generation)).toBe(copyGeneration);
      await until('the alert', () =>
        Promise.resolve(alerts.find((m) => m.attributes.key === `data_quarantine:${RAW}/${key}#${gen}`)),
      );
    });

    it('quarantines what is not Parquet, not a raw table or not at a partition key', async () => {
      const text = path.join(fixtures.dir, 'not-parquet.parquet');
      fs.writeFileSync(text, 'event_id,tenant_id\n1,7\n');
      const cases: [string, string][] = [
        [partKey('auth_events'), 'unreadable'],
        [partKey('mystery_table'), 'unknown_table'],
        ['auth_events/part-0.parquet', 'unexpected_key'],
      ];
      for (const [key, reason] of cases) {
        const gen = await upload(text, key);
        expect((await finalize(key, gen)).ok).toBe(true);
        expect(outcomes(key)).toEqual(['quarantined']);
        expect(recorder.entries.find((e) => e.fields.object === key)?.fields.reason).toBe(reason);
        expect(await exists(RAW, key)).toBe(false);
        expect(await exists(QUARANTINE, `raw/g=${gen}/${key}`)).toBe(true);
      }
    });

    it('ignores commit markers and other buckets', async () => {
      const marker = path.join(fixtures.dir, '_MANIFEST');
      fs.writeFileSync(marker, '{"generation":"x","files":[]}');
      const manifestKey = 'auth_events/dt=2026-01-05/_MANIFEST';
      expect((await finalize(manifestKey, await upload(marker, manifestKey))).ok).toBe(true);
      expect(outcomes(manifestKey)).toEqual(['ignored']);
      expect(await exists(RAW, manifestKey)).toBe(true);
      const elsewhere = partKey('mystery_table');
      const gen = await upload(marker, elsewhere, 'someone-elses-bucket');
      expect((await finalize(elsewhere, gen, 'someone-elses-bucket')).ok).toBe(true);
      expect(outcomes(elsewhere)).toEqual(['ignored']);
      expect(await exists('someone-elses-bucket', elsewhere)).toBe(true);
    });
  },
);
