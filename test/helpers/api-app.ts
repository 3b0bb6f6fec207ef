import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type AppDeps } from '../../api/app';
import { createApiKey, revokeApiKey } from '../../api/keys';
import { platformPool } from '../../api/server';
import { loadConfig, type Config } from '../../config';
import { migratePlatform } from '../../schema/platform/migrate';
import { payloadCodecFromConfig } from '../../security/codec';
import { dataConverterFromConfig } from '../../security/data-converter';
import { gdprSubjectKey } from '../../security/secrets';

export interface ApiTestContext {
  config: Config;
  run: string;
  tenant: string;
  otherTenant: string;
  user: (n: number) => string;
  /** The app's task queue: no worker serves it, so started workflows stay open (terminated at the end). */
  taskQueue: string;
  pool: ReturnType<typeof platformPool>;
  client: Client;
  app: ReturnType<typeof buildApp>;
  deps: AppDeps;
  /** writer: both scopes; reader: gdpr:read; bound / boundOther: both scopes, bound to tenant / otherTenant. */
  keys: { writer: string; reader: string; bound: string; boundOther: string; revoked: string };
  keyIds: string[];
  /** Workflow ids to terminate after the file. */
  workflows: Set<string>;
}

/**
 * The HTTP API through app.inject() (the real Fastify stack, no port) against the shared test platform's Temporal
 * and PostgreSQL, with API keys of every kind: registers the file's beforeAll/afterAll and returns the context,
 * whose platform fields are set before the first test.
 */
export function useApiTestContext(prefix: string): ApiTestContext {
  const config = loadConfig();
  const run = randomUUID().slice(0, 8);
  const ctx = {
    config,
    run,
    tenant: `${prefix}-${run}`,
    otherTenant: `api-other-${run}`,
    user: (n: number) => `u-${run}-${n}`,
    taskQueue: `${prefix}-${run}-gdpr`,
    keys: { writer: '', reader: '', bound: '', boundOther: '', revoked: '' },
    keyIds: [] as string[],
    workflows: new Set<string>(),
  } as ApiTestContext;
  let connection: Connection | undefined;

  beforeAll(async () => {
    const pool = platformPool(config, 4);
    ctx.pool = pool;
    await migratePlatform(pool);
    connection = await Connection.connect({ address: config.temporal.address });
    ctx.client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFromConfig(config),
    });
    const mk = async (scopes: ('gdpr:write' | 'gdpr:read')[], tenantId?: string) => {
      const k = await createApiKey(pool, { scopes, tenantId, description: `${prefix} ${run}` });
      ctx.keyIds.push(k.record.id);
      return k;
    };
    ctx.keys.writer = (await mk(['gdpr:write', 'gdpr:read'])).key;
    ctx.keys.reader = (await mk(['gdpr:read'])).key;
    ctx.keys.bound = (await mk(['gdpr:write', 'gdpr:read'], ctx.tenant)).key;
    ctx.keys.boundOther = (await mk(['gdpr:write', 'gdpr:read'], ctx.otherTenant)).key;
    const revoked = await mk(['gdpr:write', 'gdpr:read']);
    ctx.keys.revoked = revoked.key;
    await revokeApiKey(pool, revoked.record.id);
    ctx.deps = {
      temporal: ctx.client,
      pool,
      api: { ...config.api, rateLimitPerMinute: 10_000, bodyLimitBytes: 2048 },
      temporalUi: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
      subjectKey: gdprSubjectKey(config),
      codec: payloadCodecFromConfig(config),
      taskQueue: ctx.taskQueue,
      workerDeadlineMs: 1_500,
    };
    ctx.app = buildApp(ctx.deps);
    await ctx.app.ready();
  });

  afterAll(async () => {
    await ctx.app?.close();
    for (const id of ctx.workflows) {
      await ctx.client.workflow
        .getHandle(id)
        .terminate(`${prefix} cleanup`)
        .catch(() => undefined);
    }
    await connection?.close();
    for (const id of ctx.keyIds) await revokeApiKey(ctx.pool, id).catch(() => undefined);
    await ctx.pool?.end();
  });
  return ctx;
}
