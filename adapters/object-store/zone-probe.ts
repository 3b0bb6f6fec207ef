import { randomUUID } from 'node:crypto';
import { ZONES, type ObjectStore } from '../ports';

/**
 * The object-store health probe every implementation shares: write, read back and delete one small object in each
 * zone, through the store's own put/get/delete, so the probe exercises exactly the paths the pipeline uses.
 */
export async function probeZones(store: Pick<ObjectStore, 'put' | 'get' | 'delete'>): Promise<void> {
  const key = `_health/probe-${randomUUID()}`;
  const payload = new TextEncoder().encode('ok');
  for (const zone of ZONES) {
    await store.put(zone, key, payload);
    const back = await store.get(zone, key);
    await store.delete(zone, key);
    if (Buffer.compare(Buffer.from(back), Buffer.from(payload)) !== 0) {
      throw new Error(`zone ${zone}: probe object read back differently`);
    }
  }
}
