/**
 * HTTP API latency at a fixed request rate (open loop: requests are sent on schedule whether or not earlier ones
 * answered, so queueing shows up in the tail instead of silently lowering the rate). Three request kinds share the
 * rate round-robin on one server in one run:
 *   - POST /v1/gdpr/erasure-requests (auth, validation, platform store, Temporal start + describe, audit);
 *   - GET  /v1/gdpr/erasure-requests/{id} of a closed run (auth, store, Temporal describe);
 *   - GET  /healthz: the framework's floor on the same server, same clients, same moment.
 * POSTs start workflows of a dedicated tenant on a queue no worker serves; they are terminated at the end.
 *
 *   npm run bench:api -- [--rate 200] [--seconds 10]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { buildApp } from '../api/app';
import { createApiKey, revokeApiKey } from '../api/keys';
import { platformPool } from '../api/server';
import { loadConfig } from '../config';
import { migratePlatform } from '../schema/platform/migrate';
import { payloadCodecFromConfig } from '../security/codec';
import { dataConverterFromConfig } from '../security/data-converter';
import { gdprSubjectKey } from '../security/secrets';

const args = z
  .object({
    rate: z.coerce.number().int().min(1).max(5000).default(200),
    seconds: z.coerce.number().min(1).max(300).default(10),
  })
  .parse(parseArgs({ options: { rate: { type: 'string' }, seconds: { type: 'string' } } }).values);

const config = loadConfig();
const run = randomUUID().slice(0, 8);
const tenant = `bench-api-${run}`;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const pool = platformPool(config, 20);
  await migratePlatform(pool);
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFromConfig(config),
  });
  const { key, record } = await createApiKey(pool, { scopes: ['gdpr:write', 'gdpr:read'], description: 'bench:api' });
  const app = buildApp({
    temporal,
    pool,
    api: { ...config.api, rateLimitPerMinute: 10_000_000 },
    temporalUi: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
    subjectKey: gdprSubjectKey(config),
    codec: payloadCodecFromConfig(config),
    taskQueue: `bench-api-${run}`,
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const workflowIds = new Set<string>();
  let users = 0;
  const post = async () => {
    const res = await fetch(`${base}/v1/gdpr/erasure-requests`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ tenantId: tenant, userId: `u${users++}`, requestedBy: 'bench' }),
    });
    const body = (await res.json()) as { workflowId?: string };
    if (body.workflowId) workflowIds.add(body.workflowId);
    return res.status;
  };
  // The GET target: one request whose run is closed (terminated), so no worker is needed to answer.
  const seedRes = await fetch(`${base}/v1/gdpr/erasure-requests`, {
    method: 'POST',
    headers: { ...headers, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ tenantId: tenant, userId: 'u-get', requestedBy: 'bench' }),
  });
  const seeded = (await seedRes.json()) as { requestId: string; workflowId: string };
  await temporal.workflow.getHandle(seeded.workflowId).terminate('bench:api GET target');
  const get = async () => {
    const res = await fetch(`${base}/v1/gdpr/erasure-requests/${seeded.requestId}`, { headers });
    await res.arrayBuffer();
    return res.status;
  };
  const health = async () => {
    const res = await fetch(`${base}/healthz`);
    await res.arrayBuffer();
    return res.status;
  };
  const kinds = [
    { name: 'POST /v1/gdpr/erasure-requests', fn: post, expect: 202 },
    { name: 'GET /v1/gdpr/erasure-requests/{id}', fn: get, expect: 200 },
    { name: 'GET /healthz (floor)', fn: health, expect: 200 },
  ];
  // Warm-up: connections, JIT, pools.
  for (let i = 0; i < 20; i++) await Promise.all(kinds.map((k) => k.fn()));

  const latencies = kinds.map(() => [] as number[]);
  const errors = kinds.map(() => 0);
  const total = Math.round(args.rate * args.seconds);
  const intervalMs = 1000 / args.rate;
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  let lateness = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    lateness = Math.max(lateness, performance.now() - due);
    const k = i % kinds.length;
    const kind = kinds[k]!;
    // Latency counts from the scheduled send time (open loop: a late send is the server's queueing too).
    inflight.push(
      kind.fn().then(
        (status) => {
          latencies[k]!.push(performance.now() - due);
          if (status !== kind.expect) errors[k]!++;
        },
        () => {
          errors[k]!++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const wall = (performance.now() - t0) / 1000;

  const floor = quantile(
    [...latencies[2]!].sort((a, b) => a - b),
    0.5,
  );
  const rows = kinds.map((k, i) => {
    const s = [...latencies[i]!].sort((a, b) => a - b);
    const p50 = quantile(s, 0.5);
    return [
      k.name.padEnd(36),
      String(s.length).padStart(6),
      String(errors[i]).padStart(6),
      p50.toFixed(2).padStart(9),
      quantile(s, 0.99).toFixed(2).padStart(9),
      (p50 / floor).toFixed(1).padStart(8),
    ].join(' ');
  });
  process.stdout.write(
    [
      `API latency at ${args.rate} req/s for ${args.seconds} s (open loop, round-robin), wall ${wall.toFixed(1)} s,`,
      `max send lateness ${lateness.toFixed(1)} ms; Temporal ${config.temporal.address}, store ${config.sourceDb.host}:${config.sourceDb.port}`,
      '',
      `${'request'.padEnd(36)} ${'n'.padStart(6)} ${'errors'.padStart(6)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'p50/floor'.padStart(8)}`,
      ...rows,
      '',
    ].join('\n'),
  );

  // Clean-up: terminate every workflow the run started, revoke the key.
  await app.close();
  let terminated = 0;
  for (const id of workflowIds) {
    await temporal.workflow
      .getHandle(id)
      .terminate('bench:api cleanup')
      .then(() => terminated++)
      .catch(() => undefined);
  }
  process.stderr.write(`terminated ${terminated} bench workflow(s) of tenant ${tenant}\n`);
  await revokeApiKey(pool, record.id);
  await connection.close();
  await pool.end();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
