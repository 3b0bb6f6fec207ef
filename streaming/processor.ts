import { z } from 'zod';
import { parseEvent, type StreamEvent } from '../schema/events';
import { DDSketch } from './ddsketch';
import type {
  ApiDelta,
  BatchOutput,
  FeatureDelta,
  Incident,
  IncidentRule,
  LoginDelta,
  OpenSession,
  ProcessorSnapshot,
  Refusal,
  SessionDelta,
} from './types';

/** The processor's knobs. Event time drives everything; `now` (processing time) only bounds the future. */
export const processorConfigSchema = z.strictObject({
  /** A window stays correctable this long after the watermark passed its end; older events are `too_late`. */
  allowedLatenessMs: z.number().int().min(0).max(86_400_000).default(120_000),
  /** The watermark trails the newest event time by this much (events this much out of order are not late at all). */
  outOfOrderMs: z.number().int().min(0).max(3_600_000).default(5_000),
  /** When set (> 0), the watermark also advances to `now - idleAdvanceMs`, so an idle shard's windows still close. */
  idleAdvanceMs: z.number().int().min(0).max(86_400_000).default(0),
  /** Events further ahead of `now` than this are `from_future` (a producer's clock is wrong). */
  maxFutureSkewMs: z.number().int().min(0).max(86_400_000).default(300_000),
  /** A session with no event for this long closes by timeout. */
  sessionTimeoutMs: z.number().int().min(1_000).max(86_400_000).default(1_800_000),
  bruteForce: z
    .strictObject({
      accountFailures: z.number().int().min(2).default(5),
      ipFailures: z.number().int().min(2).default(10),
      windowMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
      successAfterFailures: z.number().int().min(1).default(3),
    })
    .default({ accountFailures: 5, ipFailures: 10, windowMs: 300_000, successAfterFailures: 3 }),
});
export type ProcessorConfig = z.output<typeof processorConfigSchema>;

const MINUTE_MS = 60_000;
const windowOf = (t: number) => new Date(Math.floor(t / MINUTE_MS) * MINUTE_MS).toISOString();
const iso = (t: number) => new Date(t).toISOString();

/** FNV-1a 64-bit (BigInt), for deterministic incident ids without node:crypto. */
function fnv64(text: string, seed: bigint): bigint {
  let h = 0xcbf29ce484222325n ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}
/** A UUID-shaped id from 128 bits of two FNV-1a hashes of `text`. */
export function deterministicId(text: string): string {
  const hex =
    fnv64(text, 0n).toString(16).padStart(16, '0') + fnv64(text, 0x9e3779b97f4a7c15n).toString(16).padStart(16, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Failures against one subject (an account or an IP) in the current burst. */
interface Burst {
  /** Event times of the failures within the detection window, ascending. */
  times: number[];
  firstFailureAt: number;
  firstFailureEventId: string;
  lastFailureAt: number;
  userId?: string;
  /** Incidents this burst already opened, by rule. */
  opened: Set<IncidentRule>;
}

/** Per-batch accumulators of the window deltas. */
class Deltas {
  logins = new Map<string, LoginDelta>();
  features = new Map<string, FeatureDelta>();
  apis = new Map<string, { d: ApiDelta; sketch: DDSketch }>();
  sessions = new Map<string, { d: SessionDelta; sketch: DDSketch }>();

  session(t: number, tenantId: string) {
    const windowStart = windowOf(t);
    const key = `${windowStart}|${tenantId}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = {
        d: { windowStart, tenantId, started: 0, ended: 0, timedOut: 0, durationSecondsSum: 0, durationSketch: '' },
        sketch: new DDSketch(),
      };
      this.sessions.set(key, s);
    }
    return s;
  }
}

/**
 * One consumer shard's stream processing, pure: messages in, everything the store must commit out (windows,
 * sessions, incidents, refusals, counters). Built from what the store committed before (`ProcessorSnapshot`), it
 * gives after a crash exactly what the uninterrupted run would have: the committed events of the horizon rebuild
 * the dedupe set and the failure bursts, so a redelivered message is recognised and an incident is never opened
 * twice. Not thread-safe; one instance per running consume activity.
 */
export class ShardProcessor {
  private readonly config: ProcessorConfig;
  private watermark: number | undefined;
  private maxEventTime = Number.NEGATIVE_INFINITY;
  /** event_id → the message that carried it and its event time (evicted once past the lateness bound). */
  private readonly seen = new Map<string, { messageId: string; t: number }>();
  private readonly open = new Map<string, OpenSession>();
  private readonly bursts = new Map<string, Burst>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(config: Partial<z.input<typeof processorConfigSchema>>, snapshot: ProcessorSnapshot) {
    this.config = processorConfigSchema.parse(config);
    for (const s of snapshot.openSessions) this.open.set(s.sessionId, { ...s });
    // Replay the committed events in commit order: dedupe set and bursts only (their outputs were committed).
    for (const a of snapshot.recent) {
      const t = Date.parse(a.event.occurred_at);
      this.seen.set(a.event.event_id, { messageId: a.messageId, t });
      this.maxEventTime = Math.max(this.maxEventTime, t);
      if (a.event.type === 'auth.attempt') this.detect(a.event, t, undefined, undefined);
    }
    if (snapshot.watermark) this.watermark = Date.parse(snapshot.watermark);
  }

  process(messages: readonly { id: string; data: Buffer }[], now: Date): BatchOutput {
    const nowMs = now.getTime();
    const { allowedLatenessMs, maxFutureSkewMs } = this.config;
    const out: BatchOutput = {
      counts: { received: messages.length, processed: 0, deadLettered: 0, duplicates: 0, redeliveries: 0 },
      accepted: [],
      refused: [],
      logins: [],
      features: [],
      apis: [],
      sessions: [],
      openedSessions: [],
      closedSessionIds: [],
      incidents: [],
      watermark: '',
    };
    const deltas = new Deltas();
    const touched = new Set<string>();
    const closed = new Set<string>();
    const refuse = (messageId: string, reason: Refusal['reason'], detail: string) => {
      out.refused.push({ messageId, reason, detail });
      out.counts.deadLettered++;
    };

    for (const m of messages) {
      const parsed = parseEvent(m.data);
      if (!parsed.ok) {
        refuse(m.id, parsed.reason, parsed.detail);
        continue;
      }
      const e = parsed.event;
      const t = Date.parse(e.occurred_at);
      // Known events first: a redelivered batch may hold events the watermark has since passed.
      const before = this.seen.get(e.event_id);
      if (before) {
        if (before.messageId === m.id) out.counts.redeliveries++;
        else out.counts.duplicates++;
        continue;
      }
      if (t > nowMs + maxFutureSkewMs) {
        refuse(m.id, 'from_future', `occurred_at is ${Math.round((t - nowMs) / 1000)} s ahead of the consumer's clock`);
        continue;
      }
      if (this.watermark !== undefined && t < this.watermark - allowedLatenessMs) {
        refuse(
          m.id,
          'too_late',
          `occurred_at is ${Math.round((this.watermark - t) / 1000)} s behind the watermark ${iso(this.watermark)}; ` +
            `windows are final ${allowedLatenessMs / 1000} s after it passes them`,
        );
        continue;
      }
      this.seen.set(e.event_id, { messageId: m.id, t });
      this.maxEventTime = Math.max(this.maxEventTime, t);
      out.accepted.push({ messageId: m.id, event: e });
      out.counts.processed++;
      this.apply(e, t, deltas, touched, closed, out.incidents, nowMs);
    }

    // The watermark only moves forward: newest event time minus the out-of-order allowance, or the idle advance.
    let next = this.watermark ?? Number.NEGATIVE_INFINITY;
    if (Number.isFinite(this.maxEventTime)) next = Math.max(next, this.maxEventTime - this.config.outOfOrderMs);
    if (this.config.idleAdvanceMs > 0) next = Math.max(next, nowMs - this.config.idleAdvanceMs);
    if (Number.isFinite(next)) this.watermark = next;

    if (this.watermark !== undefined) this.timeOutSessions(this.watermark, deltas, closed);
    this.sweep();

    out.logins = [...deltas.logins.values()];
    out.features = [...deltas.features.values()];
    out.apis = [...deltas.apis.values()].map(({ d, sketch }) => ({ ...d, latencySketch: sketch.toJSON() }));
    out.sessions = [...deltas.sessions.values()].map(({ d, sketch }) => ({ ...d, durationSketch: sketch.toJSON() }));
    out.openedSessions = [...touched].filter((id) => !closed.has(id)).map((id) => ({ ...this.open.get(id)! }));
    out.closedSessionIds = [...closed];
    out.watermark = this.watermark === undefined ? '' : iso(this.watermark);
    return out;
  }

  private apply(
    e: StreamEvent,
    t: number,
    deltas: Deltas,
    touched: Set<string>,
    closed: Set<string>,
    incidents: Incident[],
    nowMs: number,
  ): void {
    const windowStart = windowOf(t);
    const tenantId = e.tenant_id;
    switch (e.type) {
      case 'auth.attempt': {
        const failureReason = e.payload.outcome === 'failure' ? (e.payload.failure_reason ?? 'unknown') : 'none';
        const key = `${windowStart}|${tenantId}|${e.payload.outcome}|${failureReason}`;
        const d = deltas.logins.get(key) ?? {
          windowStart,
          tenantId,
          outcome: e.payload.outcome,
          failureReason,
          attempts: 0,
        };
        d.attempts++;
        deltas.logins.set(key, d);
        this.detect(e, t, incidents, nowMs);
        return;
      }
      case 'feature.used': {
        const key = `${windowStart}|${tenantId}|${e.payload.feature}`;
        const d = deltas.features.get(key) ?? { windowStart, tenantId, feature: e.payload.feature, events: 0 };
        d.events++;
        deltas.features.set(key, d);
        const s = e.payload.session_id ? this.open.get(e.payload.session_id) : undefined;
        if (s && t > Date.parse(s.lastSeenAt)) {
          s.lastSeenAt = iso(t);
          touched.add(s.sessionId);
        }
        return;
      }
      case 'api.request': {
        const { endpoint, method, status, latency_ms } = e.payload;
        const key = `${windowStart}|${tenantId}|${endpoint}|${method}`;
        let a = deltas.apis.get(key);
        if (!a) {
          a = {
            d: {
              windowStart,
              tenantId,
              endpoint,
              method,
              requests: 0,
              status4xx: 0,
              status5xx: 0,
              latencyMsSum: 0,
              latencySketch: '',
            },
            sketch: new DDSketch(),
          };
          deltas.apis.set(key, a);
        }
        a.d.requests++;
        if (status >= 400 && status < 500) a.d.status4xx++;
        if (status >= 500) a.d.status5xx++;
        a.d.latencyMsSum += latency_ms;
        a.sketch.add(latency_ms);
        return;
      }
      case 'session.start': {
        const id = e.payload.session_id;
        deltas.session(t, tenantId).d.started++;
        const existing = this.open.get(id);
        if (existing) {
          // A second start of an open session (a retry by the application): it only extends the session.
          if (t > Date.parse(existing.lastSeenAt)) existing.lastSeenAt = iso(t);
        } else {
          this.open.set(id, { sessionId: id, tenantId, userId: e.user_id, startedAt: iso(t), lastSeenAt: iso(t) });
        }
        closed.delete(id);
        touched.add(id);
        return;
      }
      case 'session.end': {
        const id = e.payload.session_id;
        const s = deltas.session(t, tenantId);
        s.d.ended++;
        const open = this.open.get(id);
        if (open) {
          const seconds = Math.max(0, Math.round((t - Date.parse(open.startedAt)) / 1000));
          s.d.durationSecondsSum += seconds;
          s.sketch.add(seconds);
          this.open.delete(id);
          closed.add(id);
        }
        // An end whose start this consumer never saw (started before streaming began, or already timed out) counts
        // as an end without a duration.
        return;
      }
    }
  }

  /** Sessions silent for longer than the timeout close in the window of their last event plus the timeout. */
  private timeOutSessions(watermark: number, deltas: Deltas, closed: Set<string>): void {
    const timeout = this.config.sessionTimeoutMs;
    for (const [id, s] of this.open) {
      const last = Date.parse(s.lastSeenAt);
      if (last + timeout >= watermark) continue;
      const d = deltas.session(last + timeout, s.tenantId);
      const seconds = Math.max(0, Math.round((last - Date.parse(s.startedAt)) / 1000));
      d.d.timedOut++;
      d.d.durationSecondsSum += seconds;
      d.sketch.add(seconds);
      this.open.delete(id);
      closed.add(id);
    }
  }

  /**
   * Brute-force and success-after-failures detection over event time. `incidents` undefined: replaying committed
   * events (bursts and their opened incidents are rebuilt, nothing is emitted).
   */
  private detect(
    e: Extract<StreamEvent, { type: 'auth.attempt' }>,
    t: number,
    incidents: Incident[] | undefined,
    nowMs: number | undefined,
  ): void {
    const { accountFailures, ipFailures, windowMs, successAfterFailures } = this.config.bruteForce;
    const account = e.user_id ?? e.payload.attempted_email?.toLowerCase();
    const subjects: { kind: 'account' | 'ip'; subject: string; threshold: number }[] = [];
    if (account) subjects.push({ kind: 'account', subject: account, threshold: accountFailures });
    if (e.payload.ip) subjects.push({ kind: 'ip', subject: e.payload.ip, threshold: ipFailures });
    const open = (rule: IncidentRule, kind: 'account' | 'ip', subject: string, burst: Burst) => {
      burst.opened.add(rule);
      if (!incidents || nowMs === undefined) return;
      incidents.push({
        incidentId: deterministicId(`${rule}|${e.tenant_id}|${kind}|${subject}|${burst.firstFailureEventId}`),
        rule,
        tenantId: e.tenant_id,
        subjectKind: kind,
        subject,
        ...(kind === 'account' && e.user_id ? { userId: e.user_id } : {}),
        failures: burst.times.length,
        firstFailureAt: iso(burst.firstFailureAt),
        triggerEventId: e.event_id,
        triggerOccurredAt: e.occurred_at,
        detectedAt: iso(nowMs),
        detectionLatencyMs: Math.max(0, nowMs - t),
      });
    };
    for (const { kind, subject, threshold } of subjects) {
      const key = `${e.tenant_id}|${kind}|${subject}`;
      let burst = this.bursts.get(key);
      if (burst && t - burst.lastFailureAt >= windowMs) {
        this.bursts.delete(key); // the previous burst ended: windowMs without a failure
        burst = undefined;
      }
      if (e.payload.outcome === 'failure') {
        if (!burst) {
          burst = {
            times: [],
            firstFailureAt: t,
            firstFailureEventId: e.event_id,
            lastFailureAt: t,
            opened: new Set(),
          };
          this.bursts.set(key, burst);
        }
        burst.times.push(t);
        burst.times.sort((a, b) => a - b);
        burst.times = burst.times.filter((x) => x >= t - windowMs);
        burst.lastFailureAt = Math.max(burst.lastFailureAt, t);
        const rule: IncidentRule = kind === 'account' ? 'brute_force_account' : 'brute_force_ip';
        if (burst.times.length >= threshold && !burst.opened.has(rule)) open(rule, kind, subject, burst);
      } else if (kind === 'account' && burst && !burst.opened.has('success_after_failures')) {
        const recent = burst.times.filter((x) => x >= t - windowMs && x <= t).length;
        if (recent >= successAfterFailures) open('success_after_failures', kind, subject, burst);
      }
    }
  }

  /** Forgets what can no longer matter: dedupe ids past the lateness bound, bursts past their window. */
  private sweep(): void {
    if (this.watermark === undefined || this.watermark - this.lastSweep < 10_000) return;
    this.lastSweep = this.watermark;
    const bound = this.watermark - this.config.allowedLatenessMs;
    for (const [id, s] of this.seen) if (s.t < bound) this.seen.delete(id);
    const burstBound = bound - this.config.bruteForce.windowMs;
    for (const [key, b] of this.bursts) if (b.lastFailureAt < burstBound) this.bursts.delete(key);
  }
}
