import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';

/**
 * API keys: `h10x_<prefix>_<secret>`. The prefix (12 base32 characters, 60 random bits) is the public lookup id;
 * the secret (32 random bytes, hex) is stored only as its sha256. A fast hash is the right tool here: the secret is
 * 256 uniformly random bits, so there is nothing to brute-force and no dictionary to slow down (what scrypt/argon2
 * are for, on low-entropy passwords), and checking a key costs microseconds on every request instead of tens of
 * milliseconds of deliberately slow work that would also make the API an easy CPU-exhaustion target.
 */
export const SCOPES = ['gdpr:write', 'gdpr:read'] as const;
export type Scope = (typeof SCOPES)[number];
export const scopeSchema = z.enum(SCOPES);

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
export const API_KEY_PATTERN = /^h10x_([a-z2-7]{12})_([0-9a-f]{64})$/;

export interface ApiKeyRecord {
  id: string;
  keyPrefix: string;
  scopes: Scope[];
  tenantId: string | null;
  description: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The authenticated caller of one request. */
export interface Principal {
  keyId: string;
  scopes: ReadonlySet<Scope>;
  /** Bound tenant, or null for every tenant. */
  tenantId: string | null;
}

function randomBase32(chars: number): string {
  const bytes = randomBytes(chars);
  let out = '';
  for (let i = 0; i < chars; i++) out += BASE32[bytes[i]! & 31];
  return out;
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export function parseApiKey(key: string): { prefix: string; secret: string } | undefined {
  const m = API_KEY_PATTERN.exec(key);
  return m ? { prefix: m[1]!, secret: m[2]! } : undefined;
}

interface KeyRow {
  id: string;
  key_prefix: string;
  secret_sha256: string;
  scopes: string[];
  tenant_id: string | null;
  description: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toRecord = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  keyPrefix: r.key_prefix,
  scopes: r.scopes as Scope[],
  tenantId: r.tenant_id,
  description: r.description,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

/** Creates a key; the returned `key` is the only time the secret exists outside the caller's hands. */
export async function createApiKey(
  pool: pg.Pool,
  spec: { scopes: Scope[]; tenantId?: string | null; description?: string },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const scopes = [...new Set(z.array(scopeSchema).min(1).parse(spec.scopes))];
  const prefix = randomBase32(12);
  const secret = randomBytes(32).toString('hex');
  const { rows } = await pool.query<KeyRow>(
    `insert into platform.api_keys (key_prefix, secret_sha256, scopes, tenant_id, description)
     values ($1, $2, $3, $4, $5) returning *`,
    [prefix, sha256Hex(secret), scopes, spec.tenantId ?? null, spec.description ?? ''],
  );
  return { key: `h10x_${prefix}_${secret}`, record: toRecord(rows[0]!) };
}

export async function listApiKeys(pool: pg.Pool): Promise<ApiKeyRecord[]> {
  const { rows } = await pool.query<KeyRow>('select * from platform.api_keys order by created_at, id');
  return rows.map(toRecord);
}

/** Revokes a key (idempotent); false when no such key. */
export async function revokeApiKey(pool: pg.Pool, id: string): Promise<boolean> {
  if (!z.uuid().safeParse(id).success) return false;
  const { rowCount } = await pool.query(
    'update platform.api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1',
    [id],
  );
  return rowCount === 1;
}

export type KeyCheck = { ok: true; principal: Principal } | { ok: false; reason: 'unknown' | 'revoked' };

/** Looks the key up by prefix and compares the secret's hash in constant time. */
export async function verifyApiKey(pool: pg.Pool, key: string): Promise<KeyCheck> {
  const parsed = parseApiKey(key);
  if (!parsed) return { ok: false, reason: 'unknown' };
  const { rows } = await pool.query<KeyRow>('select * from platform.api_keys where key_prefix = $1', [parsed.prefix]);
  const row = rows[0];
  if (!row) return { ok: false, reason: 'unknown' };
  const given = Buffer.from(sha256Hex(parsed.secret), 'hex');
  const stored = Buffer.from(row.secret_sha256, 'hex');
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked' };
  return { ok: true, principal: { keyId: row.id, scopes: new Set(row.scopes as Scope[]), tenantId: row.tenant_id } };
}
