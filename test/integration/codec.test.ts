import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { type temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, payloadCodecFromConfig } from '../../security/codec';
import { type PlatformHealthReport } from '../../workflows/health-contract';
import { createTestWorkerEnv, type TestWorkerEnv } from '../helpers/temporal';

/**
 * Personal data never rests in clear in Temporal: workflows started through the project's client (codec on) are
 * read back with a client that has no codec, and nothing in the stored history may show the plaintext; the codec
 * client reads the same history decoded.
 */
let env: TestWorkerEnv;
let raw: Client;
let rawConnection: Connection;
beforeAll(async () => {
  env = await createTestWorkerEnv();
  rawConnection = await Connection.connect({ address: env.config.temporal.address });
  raw = new Client({ connection: rawConnection, namespace: env.config.temporal.namespace });
});
afterAll(async () => {
  await rawConnection?.close();
  await env?.close();
});

type JsonPayload = { metadata?: Record<string, string>; data?: string };
const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** Every payload in a history (as `temporal workflow show --output json` has it), with where it sits. */
function payloadsOf(history: temporal.api.history.v1.IHistory): { where: string; payload: JsonPayload }[] {
  const found: { where: string; payload: JsonPayload }[] = [];
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}[${i}]`));
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const metadata = o.metadata as Record<string, string> | undefined;
      if (metadata && typeof metadata === 'object' && 'encoding' in metadata) {
        found.push({ where, payload: o });
        return;
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`);
    }
  };
  walk(JSON.parse(historyToJSON(history)), 'history');
  return found;
}

/** The history as text with every payload's data decoded from base64: what a reader of the stored history sees. */
function readable(history: temporal.api.history.v1.IHistory): string {
  return [historyToJSON(history), ...payloadsOf(history).map(({ payload }) => b64(payload.data))].join('\n');
}

describe('payload encryption end to end', () => {
  it('stores inputs, failure messages and results encrypted; the codec client reads them back', async () => {
    const marker = `jane.doe+${randomUUID()}@example.com`;
    const workflowId = env.workflowId('codec-check');
    const failure = await env.withWorker(async () => {
      const handle = await env.client.workflow.start('platformHealthCheck', {
        taskQueue: env.taskQueue,
        workflowId,
        args: [{ dependencies: ['temporal', marker] }],
      });
      return handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
    });
    // Through the codec: the workflow read its input (it rejected the marker) and the failure message is readable.
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toMatch(/^platformHealthCheck input: dependencies\.1: /);

    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const text = readable(history);
    expect(text).toContain('platformHealthCheck'); // the workflow type stays in clear
    expect(text).not.toContain(marker);
    expect(text).not.toContain('dependencies.1');
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const [input] = started?.input?.payloads ?? [];
    expect(Buffer.from(input!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(input!.metadata![KEY_ID_METADATA]!).toString()).toMatch(/^k\d{8}$/);
    expect(Buffer.from(input!.data!).includes(marker)).toBe(false);
    const failed = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)
      ?.workflowExecutionFailedEventAttributes?.failure;
    expect(failed?.message).toBe('Encoded failure');
    expect(failed?.encodedAttributes?.metadata?.encoding).toBeDefined();
    expect(Buffer.from(failed!.encodedAttributes!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);

    // The codec (the same keys) opens the stored input.
    const codec = payloadCodecFromConfig(env.config);
    const [opened] = await codec.decode([input as Payload]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ dependencies: ['temporal', marker] });
  });

  it('encrypts every payload of a successful run, activity inputs and results included', async () => {
    const workflowId = env.workflowId('codec-ok');
    const report = await env.withWorker(async () => {
      const handle = await env.client.workflow.start('platformHealthCheck', {
        taskQueue: env.taskQueue,
        workflowId,
        args: [{ dependencies: ['temporal'] }],
        staticSummary: 'codec integration test',
      });
      return (await handle.result()) as PlatformHealthReport;
    });
    expect(report.ok).toBe(true);
    expect(report.checks[0]?.detail).toMatch(/^Temporal server/);

    // A client without the codec cannot read the result: the server holds only ciphertext.
    await expect(raw.workflow.getHandle(workflowId).result()).rejects.toThrow(/binary\/encrypted/);
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    expect(readable(history)).not.toContain('Temporal server');
    const payloads = payloadsOf(history);
    const clear = payloads.filter(({ payload }) => b64(payload.metadata?.encoding) !== ENCRYPTED_ENCODING);
    // Search attributes are indexed by the server, so they stay in clear (no personal data may go there).
    expect(clear.map((c) => c.where).filter((w) => !/\.(searchAttributes)\.indexedFields\./.test(w))).toEqual([]);
    const where = payloads.map((p) => p.where.replace(/\[\d+\]/g, '[]'));
    expect(where).toContain('history.events[].workflowExecutionStartedEventAttributes.input.payloads[]');
    expect(where).toContain('history.events[].activityTaskScheduledEventAttributes.input.payloads[]');
    expect(where).toContain('history.events[].activityTaskCompletedEventAttributes.result.payloads[]');
    expect(where).toContain('history.events[].workflowExecutionCompletedEventAttributes.result.payloads[]');
    // The SDK passes user metadata (the static summary, each activity's summary) through the codec too.
    expect(where).toContain('history.events[].userMetadata.summary');
    for (const summary of ['codec integration test', 'probe temporal'])
      expect(readable(history)).not.toContain(summary);
  });
});
