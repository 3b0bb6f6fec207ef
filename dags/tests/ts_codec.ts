import { loadConfig } from '../../config';
import { AesGcmPayloadCodec, parseCodecKeys, payloadCodecFromConfig } from '../../security/codec';
import { handleCodecRequest } from '../../security/codec-http';

/**
 * The TypeScript payload codec for the cross-language tests (dags/tests/test_payload_codec.py).
 *
 * Usage: `tsx dags/tests/ts_codec.ts < jobs.json`. stdin is a JSON array of jobs, stdout the array of their results:
 * - `{ "operation": "encode" | "decode", "keys": "id:base64,…", "payloads": [...] }` runs the codec over payloads in
 *   the codec-server JSON format (security/codec-http.ts) → `{ "payloads": [...] }` or `{ "error": "…" }`;
 *   without `keys`, the codec comes from the configuration of `env` (e.g. the local key file under SECRETS_DIR);
 * - `{ "operation": "parse", "keys": "…" }` → `{ "ids": [...] }` or `{ "error": "…" }`.
 */
interface Job {
  operation: 'encode' | 'decode' | 'parse';
  keys?: string;
  env?: Record<string, string>;
  payloads?: unknown[];
}

async function run(job: Job): Promise<unknown> {
  try {
    if (job.operation === 'parse') return { ids: parseCodecKeys(job.keys ?? '').map((k) => k.id) };
    const codec =
      job.keys === undefined
        ? payloadCodecFromConfig(loadConfig({ ...process.env, ...job.env }))
        : new AesGcmPayloadCodec(parseCodecKeys(job.keys));
    return await handleCodecRequest(codec, job.operation, { payloads: job.payloads ?? [] });
  } catch (err) {
    return { error: (err as Error).message };
  }
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const jobs = JSON.parse(input) as Job[];
  const results = [];
  for (const job of jobs) results.push(await run(job));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`ts_codec: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
