/**
 * How producers route the real-time user events to shards: pure (no Temporal import), so the ingest function
 * (functions/event-processor.ts) shares it without bundling the workflow SDK. Re-exported by stream-contract.ts.
 */

/** Bus stream of one shard of the user events; producers route a tenant to `shardOf(tenant, shards)`. */
export const streamOfShard = (shard: number) => `events:user-module:${shard}`;

/** Tenants to shards: stable (FNV-1a of the tenant id), so a tenant's events always meet the same consumer. */
export function shardOf(tenantId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tenantId.length; i++) {
    h ^= tenantId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}
