import type { Command } from 'commander';
import type { Config } from '../config';
import { createApiKey, listApiKeys, revokeApiKey, SCOPES, scopeSchema } from '../api/keys';
import { platformPool } from '../api/server';
import { migratePlatform } from '../schema/platform/migrate';

const say = (line: string) => process.stderr.write(`${line}\n`);

async function withPlatformPool<T>(config: Config, fn: (pool: ReturnType<typeof platformPool>) => Promise<T>) {
  const pool = platformPool(config, 2);
  try {
    await migratePlatform(pool, { log: say });
    return await fn(pool);
  } catch (err) {
    if ((err as { code?: string }).code === 'ECONNREFUSED') {
      throw new Error(
        `cannot reach PostgreSQL at ${config.sourceDb.host}:${config.sourceDb.port}. Start the platform: analytics dev up`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    await pool.end();
  }
}

/** `analytics api-keys create|list|revoke`: API keys of the HTTP API, stored hashed in the platform store. */
export function registerApiKeyCommands(program: Command, getConfig: () => Config): void {
  const keys = program.command('api-keys').description('API keys of the HTTP API (stored hashed)');
  keys
    .command('create')
    .description('create a key and print it once (it cannot be shown again)')
    .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`)
    .option('--tenant <id>', 'bind the key to one tenant (it sees no other tenant)')
    .option('--description <text>', 'what the key is for', '')
    .option('--json', 'print { id, key } as JSON')
    .action(async (opts: { scopes: string; tenant?: string; description: string; json?: boolean }) => {
      const scopes = opts.scopes.split(',').map((s) => s.trim());
      for (const s of scopes) {
        if (!scopeSchema.safeParse(s).success) throw new Error(`unknown scope ${s} (expected ${SCOPES.join(', ')})`);
      }
      const { key, record } = await withPlatformPool(getConfig(), (pool) =>
        createApiKey(pool, {
          scopes: scopes as (typeof SCOPES)[number][],
          tenantId: opts.tenant,
          description: opts.description,
        }),
      );
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ id: record.id, key })}\n`);
        return;
      }
      process.stdout.write(`${key}\n`);
      say(
        `key id ${record.id} (scopes ${record.scopes.join(',')}${record.tenantId ? `, tenant ${record.tenantId}` : ''})`,
      );
      say('store the key now: only its hash is kept. Use it as ANALYTICS_API_KEY or Authorization: Bearer <key>.');
    });
  keys
    .command('list')
    .description('every key: id, prefix, scopes, tenant, created, revoked (never the secret)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const rows = await withPlatformPool(getConfig(), (pool) => listApiKeys(pool));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) {
        process.stdout.write(
          `${r.id}  h10x_${r.keyPrefix}_…  ${r.scopes.join(',').padEnd(20)} ${(r.tenantId ?? '*').padEnd(16)} ` +
            `${r.createdAt.toISOString()}  ${r.revokedAt ? `revoked ${r.revokedAt.toISOString()}` : 'active'}  ${r.description}\n`,
        );
      }
      if (rows.length === 0) say('no API keys yet: analytics api-keys create --scopes gdpr:write,gdpr:read');
    });
  keys
    .command('revoke')
    .description('revoke a key by id (takes effect on the next request)')
    .argument('<id>', 'key id (from api-keys list)')
    .action(async (id: string) => {
      const ok = await withPlatformPool(getConfig(), (pool) => revokeApiKey(pool, id));
      if (!ok) throw new Error(`no API key with id ${id}`);
      say(`revoked ${id}`);
    });
}
