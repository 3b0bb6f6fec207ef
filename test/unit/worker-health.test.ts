import { describe, expect, it } from 'vitest';
import { readiness, startHealthServer } from '../../workers/health';
import { type State } from '@temporalio/worker';

describe('worker readiness', () => {
  it('is ready only when every worker polls and Temporal answers', () => {
    expect(readiness(['RUNNING', 'RUNNING'], { ok: true }).ok).toBe(true);
    expect(readiness(['RUNNING', 'DRAINING'], { ok: true }).ok).toBe(false);
    expect(readiness(['INITIALIZED'], { ok: true }).ok).toBe(false);
    expect(readiness([], { ok: true }).ok).toBe(false);
    const down = readiness(['RUNNING'], { ok: false, error: 'unavailable' });
    expect(down).toEqual({ ok: false, workers: ['RUNNING'], temporal: 'unavailable' });
  });
});

describe('worker health endpoint', () => {
  it('answers /readyz and /livez from the worker states and the Temporal ping', async () => {
    let states: State[] = ['RUNNING'];
    let temporalUp = true;
    const server = await startHealthServer(
      {
        states: () => states,
        pingTemporal: () => (temporalUp ? Promise.resolve() : Promise.reject(new Error('connection refused'))),
      },
      { host: '127.0.0.1', port: 0 },
    );
    const get = async (p: string) => {
      const res = await fetch(`http://127.0.0.1:${server.port}${p}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      expect((await get('/readyz')).status).toBe(200);
      temporalUp = false;
      expect(await get('/readyz')).toEqual({
        status: 503,
        body: { ok: false, workers: ['RUNNING'], temporal: 'connection refused' },
      });
      temporalUp = true;
      states = ['DRAINING'];
      expect((await get('/readyz')).status).toBe(503);
      expect((await get('/livez')).status).toBe(200); // draining is alive: the pod must not be restarted mid-drain
      states = ['FAILED'];
      expect((await get('/livez')).status).toBe(503);
      expect((await get('/nope')).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
