import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSubjectStore } from '../../adapters/subject-store/postgres';
import { RedisSubjectCache } from '../../adapters/subject-cache/redis';
import { loadConfig } from '../../config';
import { migrate } from '../../schema/source/migrate';
import { createScratchDb, type ScratchDb } from '../helpers/scratch-db';

/** The SubjectStore (PostgreSQL) and SubjectCache (Redis) adapters of the erasure saga, against real servers. */
let db: ScratchDb;
let store: PostgresSubjectStore;
const config = loadConfig();

const ALICE = { tenantId: '1', userId: '10', email: 'alice@example.com' };
const BOB = { tenantId: '1', userId: '11', email: 'bob@example.com' };
const OTHER_TENANT = { tenantId: '2', userId: '20', email: 'carol@example.com' };
const ERASED_AT = '2026-12-01T09:30:00.000Z';
/** What the saga hands the source erasure: the person, their pseudonym and the request time. */
const erasure = <S extends { tenantId: string; userId: string; email: string }>(s: S, token: string) => ({
  ...s,
  token,
  erasedAt: ERASED_AT,
});

beforeAll(async () => {
  db = await createScratchDb('gdpr_subject_test');
  await migrate(db.pool);
  const q = (sql: string) => db.pool.query(sql);
  await q(
    `insert into tenants values (1, 'Acme', 'growth', 'eu', 'active', '2026-01-01'), (2, 'Beta', 'free', 'us', 'active', '2026-01-01')`,
  );
  for (const [id, tenant, email] of [
    [10, 1, ALICE.email],
    [11, 1, BOB.email],
    [20, 2, OTHER_TENANT.email],
  ] as const) {
    await db.pool.query(
      `insert into users values ($1, $2, $3, 'Name', null, 'DE', null, null, 'UTC', null, 'active', '2026-01-01', '2026-01-01', null, null)`,
      [id, tenant, email],
    );
  }
  await q(`insert into teams values (1, 1, 'Core', '2026-01-01')`);
  await q(`insert into team_members values (1, 10, 'lead', '2026-01-02'), (1, 11, 'member', '2026-01-02')`);
  await q(`insert into sessions values (100, 10, 1, '2026-02-01', null, '10.0.0.1', 'ua', 'desktop'),
                                       (101, 11, 1, '2026-02-01', null, '10.0.0.2', 'ua', 'desktop')`);
  await q(`insert into activity_events values (1000, 1, 10, 100, 'search', 'run', '{}', '2026-02-01'),
                                              (1001, 1, 11, 100, 'search', 'run', '{}', '2026-02-01'),
                                              (1002, 1, 11, 101, 'search', 'run', '{}', '2026-02-01')`);
  await q(`insert into auth_events values
             (2000, 1, 10, null, 'login_success', '10.0.0.1', 'ua', null, '2026-02-01'),
             (2001, 1, null, 'ALICE@example.com', 'login_failure', '10.0.0.9', 'ua', 'unknown_user', '2026-02-01'),
             (2002, 1, 11, null, 'login_success', '10.0.0.2', 'ua', null, '2026-02-01')`);
  await q(`insert into collaboration_events values (3000, 1, 1, 11, 10, 'mentioned', '2026-02-01'),
                                                   (3001, 1, 1, 10, 11, 'mentioned', '2026-02-01')`);
  store = new PostgresSubjectStore({ ...config.sourceDb, database: db.name });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('PostgresSubjectStore', () => {
  it('looks a user up only within its tenant, with legal holds', async () => {
    expect(await store.lookup(ALICE)).toEqual({ status: 'active', email: ALICE.email, legalHolds: [] });
    expect(await store.lookup({ tenantId: '2', userId: '10' })).toBeUndefined();
    expect(await store.lookup({ tenantId: '1', userId: 'not-a-number' })).toBeUndefined();
    await db.pool.query(`insert into legal_holds values (20, 2, 'audit 7', '2026-03-01')`);
    expect((await store.lookup(OTHER_TENANT))?.legalHolds).toEqual(['audit 7']);
  });

  it('suspends (ending open sessions) and restores', async () => {
    expect(await store.suspend(ALICE)).toEqual({ sessionsRevoked: 1 });
    expect(await store.suspend(ALICE)).toEqual({ sessionsRevoked: 0 });
    const status = async () =>
      (await db.pool.query<{ status: string }>('select status from users where user_id = 10')).rows[0]?.status;
    expect(await status()).toBe('suspended');
    expect(await store.restore(ALICE, 'active')).toEqual({ restored: true });
    expect(await status()).toBe('active');
    expect(await store.restore(ALICE, 'active')).toEqual({ restored: false });
  });

  it('erases the person, keeps others, and is idempotent; the scan sees before and after', async () => {
    const before = await store.scan(ALICE);
    expect(Object.values(before.occurrences).reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    const counts = await store.erase(erasure(ALICE, '-1010'));
    expect(counts).toMatchObject({
      'users.tombstone': 1,
      activity_events: 1,
      auth_events: 2,
      collaboration_events: 2,
      team_members: 1,
      sessions: 1,
      users: 1,
    });
    expect(Object.values(await store.erase(erasure(ALICE, '-1010'))).every((n) => n === 0)).toBe(true);
    const after = await store.scan(ALICE);
    expect(Object.values(after.occurrences).every((n) => n === 0)).toBe(true);
    expect(after.scanned).toBeGreaterThan(10);
    // The identity row is a tombstone under the pseudonym: same tenant, deleted at the request time, no personal data.
    const tombstone = await db.pool.query(
      `select tenant_id, email, full_name, phone, city, country, timezone, status, deleted_at, updated_at
       from users where user_id = -1010`,
    );
    expect(tombstone.rows).toEqual([
      {
        tenant_id: '1',
        email: null,
        full_name: null,
        phone: null,
        city: null,
        country: 'DE',
        timezone: 'UTC',
        status: 'deleted',
        deleted_at: new Date(ERASED_AT),
        updated_at: new Date(ERASED_AT),
      },
    ]);
    // Alice's own rows carry the pseudonym, with their personal columns NULL.
    const own = await db.pool.query(
      `select 'a' || event_id as id, metadata::text as personal from activity_events where user_id = -1010
       union all select 's' || session_id, coalesce(host(ip), user_agent) from sessions where user_id = -1010
       union all select 'l' || event_id, coalesce(attempted_email, host(ip), user_agent) from auth_events where user_id = -1010
       union all select 'm' || team_id, role from team_members where user_id = -1010
       order by 1`,
    );
    expect(own.rows).toEqual([
      { id: 'a1000', personal: null },
      { id: 'l2000', personal: null },
      { id: 'm1', personal: 'lead' },
      { id: 's100', personal: null },
    ]);
    // The failed login that typed her email (in her tenant) stays, without the email and the client.
    const typed = await db.pool.query(
      `select user_id, attempted_email, ip, user_agent from auth_events where event_id = 2001`,
    );
    expect(typed.rows).toEqual([{ user_id: null, attempted_email: null, ip: null, user_agent: null }]);
    // Bob keeps his rows; his activity in Alice's session keeps the session (now the pseudonym's), his mention of her
    // keeps its row without the target, and her mention of him is the pseudonym's.
    const bob = await db.pool.query(`select event_id, session_id from activity_events where user_id = 11 order by 1`);
    expect(bob.rows).toEqual([
      { event_id: '1001', session_id: '100' },
      { event_id: '1002', session_id: '101' },
    ]);
    const mentions = await db.pool.query(
      `select event_id, actor_user_id, target_user_id from collaboration_events order by 1`,
    );
    expect(mentions.rows).toEqual([
      { event_id: '3000', actor_user_id: '11', target_user_id: null },
      { event_id: '3001', actor_user_id: '-1010', target_user_id: '11' },
    ]);
    expect(await store.lookup(BOB)).toBeDefined();
    expect(await store.lookup({ tenantId: '1', userId: '-1010' })).toBeUndefined();
  });

  it('allows empty personal columns only on a tombstone, which holds no personal data', async () => {
    const insert = (id: number, email: string | null, status: string, deletedAt: string | null) =>
      db.pool.query(
        `insert into users values ($1, 1, $2, $3, null, 'DE', null, null, 'UTC', null, $4, '2026-01-01', '2026-01-01', null, $5)`,
        [id, email, email === null ? null : 'Name', status, deletedAt],
      );
    await expect(insert(12, null, 'active', null)).rejects.toThrow(/users_tombstone_without_personal_data/);
    await expect(insert(-5, 'x@example.com', 'deleted', '2026-01-02')).rejects.toThrow(
      /users_tombstone_without_personal_data/,
    );
    await expect(insert(-6, null, 'active', null)).rejects.toThrow(/users_tombstone_without_personal_data/);
    await expect(store.erase(erasure(BOB, '42'))).rejects.toThrow(/pseudonym/);
  });

  it('refuses to erase a user under legal hold', async () => {
    await expect(store.erase(erasure(OTHER_TENANT, '-2020'))).rejects.toThrow(/legal hold/);
    expect(await store.lookup(OTHER_TENANT)).toBeDefined();
  });
});

describe('RedisSubjectCache', () => {
  const prefix = `t${Date.now()}`;
  // Ids no other suite uses: the cache scan reads every `events:*` stream of the shared test Redis.
  const base = 9_000_000_000 + (Date.now() % 1_000_000_000);
  const dave = { tenantId: prefix, userId: String(base), email: `dave-${prefix}@example.com` };
  const erin = { tenantId: prefix, userId: String(base + 1), email: `erin-${prefix}@example.com` };
  let redis: Redis;
  let cache: RedisSubjectCache;

  beforeAll(() => {
    redis = new Redis(config.redis);
    cache = new RedisSubjectCache(config.redis);
  });
  afterAll(async () => {
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await cache.close();
    redis.disconnect();
  });

  it('purges the person’s keys and pending events, nobody else’s', async () => {
    const stream = `events:${prefix}`;
    for (const p of [dave, erin]) {
      await redis.set(`user:${p.tenantId}:${p.userId}`, 'x');
      await redis.set(`user:${p.tenantId}:${p.userId}:perms`, 'x');
      await redis.set(`session:${p.tenantId}:${p.userId}:s1`, 'x');
      await redis.xadd(stream, '*', 'user_id', p.userId, 'type', 'a');
      await redis.xadd(stream, '*', 'actor', 'system', 'note', `mail to ${p.email.toUpperCase()}`);
    }
    expect((await cache.scan(dave)).occurrences).toBe(5);
    expect(await cache.purge(dave)).toEqual({ keysDeleted: 3, eventsDeleted: 2 });
    expect(await cache.purge(dave)).toEqual({ keysDeleted: 0, eventsDeleted: 0 });
    expect((await cache.scan(dave)).occurrences).toBe(0);
    expect((await cache.scan(erin)).occurrences).toBe(5);
    expect(await redis.xlen(stream)).toBe(2);
  });

  it('refuses ids that would widen a key pattern', async () => {
    await expect(cache.purge({ ...dave, userId: '*' })).rejects.toThrow(/plain identifiers/);
  });
});
