import { createHmac, randomBytes } from 'node:crypto';
import { GDPR_ERASURE_WORKFLOW_PREFIX } from '../workflows/gdpr-contract';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The erasure workflow id of a (tenant, user): `gdpr-erasure:<tenantId>:<32 hex of HMAC-SHA256>`. Stable, so a second
 * request for the same user while one is open finds the running workflow; keyed, so the id does not reveal the user
 * id to anyone reading Temporal without the key.
 */
export function erasureWorkflowId(tenantId: string, userId: string, key: Buffer): string {
  const mac = createHmac('sha256', key).update(`${tenantId}\u0000${userId}`).digest('hex').slice(0, 32);
  return `${GDPR_ERASURE_WORKFLOW_PREFIX}:${tenantId}:${mac}`;
}

/** A fresh request id: `er_` + 26 base32 characters (130 random bits). */
export function newErasureRequestId(): string {
  const bytes = randomBytes(17);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out += BASE32[Number(bits & 31n)];
    bits >>= 5n;
  }
  return `er_${out}`;
}
