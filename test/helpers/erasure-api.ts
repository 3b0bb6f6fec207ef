import { createApiKey } from '../../api/keys';
import { platformPool, startApi } from '../../api/server';
import type { Config } from '../../config';
import type { ErasureCertificate, ErasureStatus } from '../../workflows/gdpr-contract';

export interface ErasureApi {
  url: string;
  /** The bearer key (tenant-bound when a tenant was given). */
  key: string;
  erase(
    p: { tenantId: string; userId: string },
    idempotencyKey: string,
  ): Promise<{ status: number; body: { requestId: string; workflowId: string } }>;
  status(requestId: string): Promise<ErasureStatus>;
  cancel(requestId: string): Promise<{ status: number; body: unknown }>;
  certificate(requestId: string): Promise<ErasureCertificate>;
  /** Every request this client created, in order. */
  requests(): Array<{ userId: string; requestId: string }>;
  close(): Promise<void>;
}

/**
 * The real API server (listening on a free port, over real HTTP) with a key bound to one tenant, for end-to-end
 * tests and benchmarks of the erasure saga.
 */
export async function erasureApi(
  config: Config,
  options: { taskQueue: string; tenantId?: string; port?: number },
): Promise<ErasureApi> {
  const running = await startApi(config, { host: '127.0.0.1', port: options.port ?? 0, taskQueue: options.taskQueue });
  const pool = platformPool(config, 1);
  const { key } = await createApiKey(pool, {
    scopes: ['gdpr:write', 'gdpr:read'],
    tenantId: options.tenantId ?? null,
    description: 'erasure-api test helper',
  });
  await pool.end();
  const created: Array<{ userId: string; requestId: string }> = [];
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${running.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const ok = <T>(r: { status: number; body: unknown }, what: string): T => {
    if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  return {
    url: running.url,
    key,
    async erase(p, idempotencyKey) {
      const r = await call(
        'POST',
        '/v1/gdpr/erasure-requests',
        { tenantId: p.tenantId, userId: p.userId, requestedBy: 'dpo-ticket-4711', reason: 'Art. 17 request' },
        { 'idempotency-key': idempotencyKey },
      );
      const body = ok<{ requestId: string; workflowId: string }>(r, 'POST erasure-requests');
      created.push({ userId: p.userId, requestId: body.requestId });
      return { status: r.status, body };
    },
    async status(requestId) {
      const r = await call('GET', `/v1/gdpr/erasure-requests/${requestId}`);
      const body = ok<{ status: ErasureStatus | null }>(r, 'GET erasure-request');
      if (!body.status) throw new Error(`no status yet for ${requestId}`);
      return body.status;
    },
    async cancel(requestId) {
      return call('POST', `/v1/gdpr/erasure-requests/${requestId}/cancel`, { reason: 'requester withdrew' });
    },
    async certificate(requestId) {
      return ok<ErasureCertificate>(
        await call('GET', `/v1/gdpr/erasure-requests/${requestId}/certificate`),
        'GET certificate',
      );
    },
    requests: () => [...created],
    close: () => running.close(),
  };
}
