/**
 * `npm run bench:functions -- [--events 5000] [--batch 100]`: the eventProcessor Cloud Function's ingest rate, run
 * through the Functions Framework's own server (as `functions-framework` serves it) against a Pub/Sub emulator the
 * bench starts (and stops) itself; needs no platform.
 *
 * Figure: events/s posted as NDJSON requests of `--batch` events (and of one event each, the single-event client),
 * every event validated, routed and published. Reference in the same run: the same events published straight to the
 * same topics with the same EventBus (`PubSubEventBus.publish`, same batches): the ratio is what the function's HTTP
 * hop, parsing and validation cost on top of the publish itself.
 */
import { randomUUID } from 'node:crypto';
import { PubSubEventBus } from '../adapters/event-bus/pubsub';
import { registerFunctions } from '../functions/register';
import { eventAttributes, serializeEvent, type StreamEvent } from '../schema/events';
import { shardOf, streamOfShard } from '../workflows/stream-routing';
import { startPubSubEmulator } from '../test/helpers/emulators';
import { serveFunction } from '../test/helpers/functions';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 5_000);
const BATCH = arg('batch', 100);
const SINGLES = Math.min(EVENTS, 500);
const SHARDS = 2;
const PROJECT = 'bench-functions';
const TOPIC = 'hire10x-user-events';
const say = (line: string) => process.stderr.write(`${line}\n`);

const event = (i: number): StreamEvent => ({
  schema_version: 1,
  event_id: randomUUID(),
  tenant_id: String(1 + (i % 50)),
  user_id: String(1 + (i % 5000)),
  occurred_at: new Date(Date.UTC(2026, 0, 5, 10) + i).toISOString(),
  type: 'feature.used',
  payload: { feature: 'search', action: 'run' },
});

async function main(): Promise<void> {
  const emulator = await startPubSubEmulator();
  const admin = new PubSubEventBus({
    projectId: PROJECT,
    topic: TOPIC,
    apiEndpoint: emulator.endpoint,
    createMissing: true,
  });
  const bus = new PubSubEventBus({ projectId: PROJECT, topic: TOPIC, apiEndpoint: emulator.endpoint });
  let server: { url: string; close: () => Promise<void> } | undefined;
  try {
    for (let s = 0; s < SHARDS; s++) await (await admin.subscribe(streamOfShard(s), 'bench', 'bench')).close();
    registerFunctions({
      eventProcessor: () => ({ bus, shards: SHARDS, log: () => undefined }),
      dataValidation: () => {
        throw new Error('not benchmarked');
      },
      alertHandler: () => {
        throw new Error('not benchmarked');
      },
    });
    server = await serveFunction('eventProcessor');
    const url = server.url;
    const lines = Array.from({ length: EVENTS }, (_, i) => serializeEvent(event(i)));

    const viaFunction = async (size: number, n: number) => {
      const started = performance.now();
      for (let i = 0; i < n; i += size) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: Buffer.concat(lines.slice(i, Math.min(n, i + size)).flatMap((l) => [l, Buffer.from('\n')])),
        });
        if (res.status !== 202) throw new Error(`eventProcessor answered ${res.status}: ${await res.text()}`);
      }
      return n / ((performance.now() - started) / 1000);
    };
    const direct = async (size: number, n: number) => {
      const started = performance.now();
      for (let i = 0; i < n; i += size) {
        const byStream = new Map<string, { data: Buffer; attributes: Record<string, string> }[]>();
        for (const data of lines.slice(i, Math.min(n, i + size))) {
          const e = JSON.parse(data.toString()) as StreamEvent;
          const stream = streamOfShard(shardOf(e.tenant_id, SHARDS));
          byStream.set(stream, [...(byStream.get(stream) ?? []), { data, attributes: eventAttributes(e) }]);
        }
        await Promise.all([...byStream].map(([stream, messages]) => bus.publish(stream, messages)));
      }
      return n / ((performance.now() - started) / 1000);
    };

    say(`warm-up…`);
    await viaFunction(BATCH, Math.min(EVENTS, 500));
    await direct(BATCH, Math.min(EVENTS, 500));
    say(`${EVENTS} events in requests of ${BATCH}; ${SINGLES} single-event requests`);
    const fnBatch = await viaFunction(BATCH, EVENTS);
    const busBatch = await direct(BATCH, EVENTS);
    const fnSingle = await viaFunction(1, SINGLES);
    const busSingle = await direct(1, SINGLES);
    const row = (what: string, fn: number, ref: number) =>
      `${what.padEnd(22)} ${fn.toFixed(0).padStart(8)} ev/s   direct publish ${ref.toFixed(0).padStart(8)} ev/s   function/direct ${(fn / ref).toFixed(2)}`;
    console.log(row(`batches of ${BATCH}`, fnBatch, busBatch));
    console.log(row('one event a request', fnSingle, busSingle));
  } finally {
    await server?.close();
    await bus.close();
    await admin.close();
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
