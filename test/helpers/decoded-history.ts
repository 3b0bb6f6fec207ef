import fs from 'node:fs';
import { type Client } from '@temporalio/client';
import { type Payload, type PayloadCodec } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

type JsonPayload = { metadata?: Record<string, string>; data?: string };

function isPayload(v: unknown): v is JsonPayload {
  const m = (v as JsonPayload | null)?.metadata;
  return !!m && typeof m === 'object' && typeof m.encoding === 'string';
}

/**
 * A workflow's history as `temporal workflow show --output json` writes it, every payload decoded by `codec` (the
 * stored history is ciphertext under this platform's key, which another machine does not have), for the replay test.
 * Only for runs over synthetic data.
 */
export async function writeDecodedHistory(
  client: Client,
  codec: PayloadCodec,
  workflowId: string,
  file: string,
): Promise<void> {
  const json = JSON.parse(historyToJSON(await client.workflow.getHandle(workflowId).fetchHistory())) as unknown;
  const found: JsonPayload[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isPayload(v)) found.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(json);
  const toPayload = (p: JsonPayload): Payload => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  });
  const decoded = await codec.decode(found.map(toPayload));
  found.forEach((p, i) => {
    const d = decoded[i]!;
    p.metadata = Object.fromEntries(
      Object.entries(d.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
    );
    p.data = Buffer.from(d.data ?? []).toString('base64');
  });
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}
