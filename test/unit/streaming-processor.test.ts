import { describe, expect, it } from 'vitest';
import { AppEventGenerator, type AppPerson } from '../../datagen/app-events';
import { serializeEvent, type StreamEvent } from '../../schema/events';
import { DDSketch } from '../../streaming/ddsketch';
import { ShardProcessor } from '../../streaming/processor';
import type { AcceptedEvent, BatchOutput, OpenSession } from '../../streaming/types';

/**
 * The pure stream processor: windows by event time, refusals, dedupe vs redelivery, lateness, sessions, incidents,
 * and the property the consumer's exactly-once effect rests on: a processor rebuilt from what was committed, fed the
 * redelivered batch and the rest, commits exactly what an uninterrupted one would have.
 */
const T0 = Date.parse('2026-12-05T10:00:00.000Z');
const NOW = new Date(T0 + 3_600_000);
let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const at = (ms: number) => new Date(T0 + ms).toISOString();
const msg = (e: StreamEvent | Buffer, id = `m-${++seq}`) => ({ id, data: Buffer.isBuffer(e) ? e : serializeEvent(e) });
const config = { idleAdvanceMs: 0 };

function auth(
  ms: number,
  outcome: 'success' | 'failure',
  over: Partial<{ user: string; email: string; ip: string; tenant: string }> = {},
): StreamEvent {
  return {
    schema_version: 1,
    event_id: uuid(),
    type: 'auth.attempt',
    tenant_id: over.tenant ?? '1',
    ...(over.user ? { user_id: over.user } : {}),
    occurred_at: at(ms),
    payload: {
      outcome,
      ...(outcome === 'failure' ? { failure_reason: 'invalid_password' as const } : {}),
      ...(over.email ? { attempted_email: over.email } : {}),
      ...(over.ip ? { ip: over.ip } : {}),
    },
  };
}
const api = (ms: number, status: number, latency: number): StreamEvent => ({
  schema_version: 1,
  event_id: uuid(),
  type: 'api.request',
  tenant_id: '1',
  occurred_at: at(ms),
  payload: { endpoint: '/api/v1/jobs', method: 'GET', status, latency_ms: latency },
});
const sessionStart = (ms: number, id: string): StreamEvent => ({
  schema_version: 1,
  event_id: uuid(),
  type: 'session.start',
  tenant_id: '1',
  user_id: '5',
  occurred_at: at(ms),
  payload: { session_id: id },
});
const sessionEnd = (ms: number, id: string): StreamEvent => ({
  schema_version: 1,
  event_id: uuid(),
  type: 'session.end',
  tenant_id: '1',
  user_id: '5',
  occurred_at: at(ms),
  payload: { session_id: id },
});
const fresh = () => new ShardProcessor(config, { openSessions: [], recent: [] });

describe('ShardProcessor', () => {
  it('counts into 1-minute windows per tenant, with 4xx/5xx and a latency sketch', () => {
    const p = fresh();
    const out = p.process(
      [
        msg(api(1_000, 200, 100)),
        msg(api(2_000, 404, 300)),
        msg(api(61_000, 503, 50)),
        msg(auth(3_000, 'failure', { user: '9' })),
      ],
      NOW,
    );
    expect(out.counts).toEqual({ received: 4, processed: 4, deadLettered: 0, duplicates: 0, redeliveries: 0 });
    expect(out.apis.map((a) => [a.windowStart, a.requests, a.status4xx, a.status5xx, a.latencyMsSum])).toEqual([
      [at(0), 2, 1, 0, 400],
      [at(60_000), 1, 0, 1, 50],
    ]);
    expect(DDSketch.fromJSON(out.apis[0]!.latencySketch).count).toBe(2);
    expect(out.logins).toEqual([
      { windowStart: at(0), tenantId: '1', outcome: 'failure', failureReason: 'invalid_password', attempts: 1 },
    ]);
    expect(out.watermark).toBe(at(56_000)); // newest event time minus 5 s
  });

  it('refuses bad input with the reason, and reconciles: received = processed + dead-lettered + deduped', () => {
    const p = fresh();
    const good = api(1_000, 200, 10);
    const out = p.process(
      [
        msg(good, 'a'),
        msg(Buffer.from('{not json')),
        msg(Buffer.from(JSON.stringify({ ...good, event_id: uuid(), schema_version: 3 }))),
        msg(Buffer.from(JSON.stringify({ ...good, event_id: uuid(), type: 'x.y' }))),
        msg(Buffer.alloc(20_000, 0x20)),
        msg({ ...api(1_000, 200, 10), occurred_at: at(3_600_000 + 301_000) }), // 5 min ahead of NOW
        msg(good, 'b'), // the same event published twice
        msg(good, 'a'), // the same message delivered twice
      ],
      NOW,
    );
    expect(out.refused.map((r) => r.reason)).toEqual([
      'malformed_json',
      'unsupported_version',
      'unknown_type',
      'oversized',
      'from_future',
    ]);
    expect(out.counts).toEqual({ received: 8, processed: 1, deadLettered: 5, duplicates: 1, redeliveries: 1 });
    const c = out.counts;
    expect(c.received).toBe(c.processed + c.deadLettered + c.duplicates + c.redeliveries);
  });

  it('corrects a window with a late event within the lateness bound, and refuses one past it', () => {
    const p = fresh();
    p.process([msg(api(600_000, 200, 10))], NOW); // watermark 9:55 after T0
    // 1 min 30 s behind the watermark, within the 2-min lateness: its (closed) window is corrected.
    const late = p.process([msg(api(505_000, 200, 10))], NOW);
    expect(late.refused).toEqual([]);
    expect(late.apis.map((a) => a.windowStart)).toEqual([at(480_000)]);
    const tooLate = p.process([msg(api(600_000 - 5_000 - 120_001, 200, 10))], NOW);
    expect(tooLate.refused.map((r) => r.reason)).toEqual(['too_late']);
    expect(tooLate.apis).toEqual([]);
  });

  it('joins session starts with their ends, and times out a session without one', () => {
    const p = new ShardProcessor({ ...config, sessionTimeoutMs: 600_000 }, { openSessions: [], recent: [] });
    const a = p.process([msg(sessionStart(0, '1')), msg(sessionStart(10_000, '2'))], NOW);
    expect(a.sessions).toEqual([expect.objectContaining({ windowStart: at(0), started: 2, ended: 0, timedOut: 0 })]);
    expect(a.openedSessions.map((s) => s.sessionId).sort()).toEqual(['1', '2']);
    const b = p.process([msg(sessionEnd(125_000, '1'))], NOW);
    expect(b.sessions).toEqual([
      expect.objectContaining({ windowStart: at(120_000), ended: 1, durationSecondsSum: 125 }),
    ]);
    expect(b.closedSessionIds).toEqual(['1']);
    // Session 2 saw nothing for 10 min: the watermark passing 10:10:10 closes it, in the window of its timeout.
    const c = p.process([msg(api(700_000, 200, 1))], NOW);
    expect(c.closedSessionIds).toEqual(['2']);
    expect(c.sessions).toEqual([
      expect.objectContaining({ windowStart: at(600_000), timedOut: 1, durationSecondsSum: 0 }),
    ]);
  });

  it('opens one brute-force incident per burst per account and per IP, and one success-after-failures', () => {
    const p = new ShardProcessor(config, { openSessions: [], recent: [] });
    const fails = Array.from({ length: 12 }, (_, i) =>
      msg(auth(i * 1_000, 'failure', { email: 'V@x.io', ip: '1.2.3.4' })),
    );
    const out = p.process([...fails, msg(auth(13_000, 'success', { email: 'v@x.io', ip: '1.2.3.4' }))], NOW);
    expect(out.incidents.map((i) => [i.rule, i.subjectKind, i.subject, i.failures])).toEqual([
      ['brute_force_account', 'account', 'v@x.io', 5],
      ['brute_force_ip', 'ip', '1.2.3.4', 10],
      ['success_after_failures', 'account', 'v@x.io', 12],
    ]);
    expect(out.incidents[0]!.detectionLatencyMs).toBe(NOW.getTime() - (T0 + 4_000));
    // More failures in the same burst open nothing new; after 5 quiet minutes a new burst does.
    expect(p.process([msg(auth(20_000, 'failure', { email: 'v@x.io' }))], NOW).incidents).toEqual([]);
    const again = p.process(
      Array.from({ length: 5 }, (_, i) => msg(auth(400_000 + i, 'failure', { email: 'v@x.io' }))),
      NOW,
    );
    expect(again.incidents.map((i) => i.rule)).toEqual(['brute_force_account']);
    // Different tenants never share a burst.
    const other = p.process(
      Array.from({ length: 4 }, (_, i) => msg(auth(401_000 + i, 'failure', { email: 'v@x.io', tenant: '2' }))),
      NOW,
    );
    expect(other.incidents).toEqual([]);
  });

  it('after a crash, a processor rebuilt from what was committed commits exactly what an uninterrupted one would', () => {
    const people: AppPerson[] = Array.from({ length: 40 }, (_, i) => ({
      tenantId: String(1 + (i % 3)),
      userId: String(100 + i),
      email: `p${i}@x.io`,
    }));
    const gen = new AppEventGenerator({ seed: 'crash', people, attackEveryMs: 20_000 }, 1n);
    const batches: { id: string; data: Buffer }[][] = [];
    for (let b = 0; b < 30; b++) {
      const batch = gen.next(T0 + b * 2_000, 40).map((e) => msg(e));
      if (b % 7 === 3) batch.push(msg(batch[0]!.data)); // a producer retry: same event, new message
      batches.push(batch);
    }
    const now = new Date(T0 + 120_000);
    const whole = fresh();
    const clean = batches.map((b) => whole.process(b, now));

    // Crash after committing batch 14 but before acknowledging it: batch 14 comes back, then the rest.
    const crashAfter = 14;
    const first = fresh();
    const committed = batches.slice(0, crashAfter + 1).map((b) => first.process(b, now));
    const snapshot = {
      watermark: committed.at(-1)!.watermark,
      openSessions: replayOpenSessions(committed),
      recent: committed.flatMap((o): AcceptedEvent[] => o.accepted),
    };
    const second = new ShardProcessor(config, snapshot);
    const redelivered = second.process(batches[crashAfter]!, now);
    expect(redelivered.counts.redeliveries).toBe(batches[crashAfter]!.length - redelivered.counts.duplicates);
    expect(redelivered.accepted).toEqual([]);
    expect(redelivered.incidents).toEqual([]);
    const rest = batches.slice(crashAfter + 1).map((b) => second.process(b, now));

    expect(totals([...committed, redelivered, ...rest])).toEqual(totals(clean));
    expect(totals(clean).incidents).toBeGreaterThan(0);
  });
});

/** The open sessions the store holds after committing these outputs (upserts, then deletes). */
function replayOpenSessions(outputs: BatchOutput[]): OpenSession[] {
  const open = new Map<string, OpenSession>();
  for (const o of outputs) {
    for (const s of o.openedSessions) open.set(s.sessionId, s);
    for (const id of o.closedSessionIds) open.delete(id);
  }
  return [...open.values()];
}

/** What the store would hold after applying outputs: per-key sums of every delta, and the incident ids. */
function totals(outputs: BatchOutput[]) {
  const sum = new Map<string, number>();
  const add = (key: string, n: number) => sum.set(key, (sum.get(key) ?? 0) + n);
  for (const o of outputs) {
    for (const l of o.logins) add(`login|${l.windowStart}|${l.tenantId}|${l.outcome}|${l.failureReason}`, l.attempts);
    for (const f of o.features) add(`feature|${f.windowStart}|${f.tenantId}|${f.feature}`, f.events);
    for (const a of o.apis) add(`api|${a.windowStart}|${a.tenantId}|${a.endpoint}|${a.method}`, a.requests);
    for (const s of o.sessions) {
      add(`started|${s.windowStart}|${s.tenantId}`, s.started);
      add(`ended|${s.windowStart}|${s.tenantId}`, s.ended);
      add(`duration|${s.windowStart}|${s.tenantId}`, s.durationSecondsSum);
    }
  }
  const incidents = outputs.flatMap((o) => o.incidents.map((i) => i.incidentId)).sort();
  const accepted = outputs.reduce((n, o) => n + o.counts.processed, 0);
  return {
    windows: Object.fromEntries([...sum].sort()),
    incidents: incidents.length,
    incidentIds: incidents,
    accepted,
  };
}
