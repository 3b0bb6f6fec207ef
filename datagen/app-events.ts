import { ENDPOINTS, FEATURES, USER_AGENTS } from './catalog';
import { cumulative, lognormal, pick } from './distributions';
import { seedFromString, Xoshiro128, type Rng } from './prng';
import type { StreamEvent } from '../schema/events';

/**
 * What the User Module emits while people use it, as stream events (schema/events): logins (with occasional
 * brute-force bursts), sessions that start and end, feature use inside sessions, and API requests. Deterministic:
 * the same seed, people and clock give the same events, byte for byte. Used by `analytics app simulate` (which also
 * writes each event to the source database) and `analytics stream produce` (bus only, for load tests).
 */

export interface AppPerson {
  tenantId: string;
  userId: string;
  email: string;
}

export interface AppEventOptions {
  seed: string;
  people: readonly AppPerson[];
  /** Share of logins that fail (besides the attack bursts). @default 0.08 */
  failureShare?: number;
  /** One brute-force burst (failures then a success on one account) every this many ms of event time. @default 30000 */
  attackEveryMs?: number;
}

const hex = (rng: Rng, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rng.next() * 16).toString(16);
  return s;
};

/** A version-4-shaped UUID from the generator's stream (not crypto: reproducible under a seed). */
export function seededUuid(rng: Rng): string {
  const variant = '89ab'[Math.floor(rng.next() * 4)]!;
  return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${variant}${hex(rng, 3)}-${hex(rng, 12)}`;
}

const FEATURE_CDF = cumulative(FEATURES.map((f) => f.weight));
const ENDPOINT_CDF = cumulative(ENDPOINTS.map((e) => e.weight));
const AGENT_CDF = cumulative(USER_AGENTS.map((a) => a.weight));
const FAILURE_REASONS = ['invalid_password', 'invalid_password', 'invalid_password', 'mfa_failed', 'account_locked'];

interface OpenAppSession {
  sessionId: string;
  person: AppPerson;
  endsAt: number;
}

/**
 * A stateful generator: `next(at)` returns the events of one instant. Session ids come from `nextSessionId` (the
 * simulator starts them above the source table's current maximum, so its rows never collide with seeded ones).
 */
export class AppEventGenerator {
  private readonly rng: Rng;
  private readonly open: OpenAppSession[] = [];
  private nextAttackAt = 0;
  private readonly failureShare: number;
  private readonly attackEveryMs: number;

  constructor(
    private readonly options: AppEventOptions,
    private nextSessionId: bigint,
  ) {
    if (options.people.length === 0) throw new Error('no people to simulate: seed the source database first');
    this.rng = new Xoshiro128(seedFromString(options.seed));
    this.failureShare = options.failureShare ?? 0.08;
    this.attackEveryMs = options.attackEveryMs ?? 30_000;
  }

  private person(): AppPerson {
    return this.options.people[Math.floor(this.rng.next() * this.options.people.length)]!;
  }

  private envelope<T extends StreamEvent['type']>(
    type: T,
    person: AppPerson | undefined,
    tenantId: string,
    at: number,
    payload: Extract<StreamEvent, { type: T }>['payload'],
  ): StreamEvent {
    return {
      schema_version: 1,
      event_id: seededUuid(this.rng),
      type,
      tenant_id: tenantId,
      ...(person ? { user_id: person.userId } : {}),
      occurred_at: new Date(at).toISOString(),
      payload,
    } as StreamEvent;
  }

  private ip(): string {
    return `10.${Math.floor(this.rng.next() * 250)}.${Math.floor(this.rng.next() * 250)}.${1 + Math.floor(this.rng.next() * 250)}`;
  }

  /** `count` events at time `at` (ms), plus whatever session ends and attacks fall due by then. */
  next(at: number, count: number): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (let i = this.open.length - 1; i >= 0; i--) {
      const s = this.open[i]!;
      if (s.endsAt <= at) {
        out.push(this.envelope('session.end', s.person, s.person.tenantId, at, { session_id: s.sessionId }));
        this.open.splice(i, 1);
      }
    }
    if (this.nextAttackAt === 0) this.nextAttackAt = at + this.attackEveryMs / 2;
    if (at >= this.nextAttackAt) {
      this.nextAttackAt = at + this.attackEveryMs;
      out.push(...this.attack(at));
    }
    for (let i = 0; i < count; i++) out.push(this.one(at));
    return out;
  }

  /** A credential-stuffing burst against one account from one address: six failures, then a success. */
  private attack(at: number): StreamEvent[] {
    const victim = this.person();
    const ip = `185.${Math.floor(this.rng.next() * 250)}.${Math.floor(this.rng.next() * 250)}.7`;
    const events: StreamEvent[] = [];
    for (let i = 0; i < 6; i++) {
      events.push(
        this.envelope('auth.attempt', victim, victim.tenantId, at, {
          outcome: 'failure',
          failure_reason: 'invalid_password',
          attempted_email: victim.email,
          ip,
          user_agent: 'python-requests/2.31',
        }),
      );
    }
    events.push(
      this.envelope('auth.attempt', victim, victim.tenantId, at, {
        outcome: 'success',
        attempted_email: victim.email,
        ip,
        user_agent: 'python-requests/2.31',
      }),
    );
    return events;
  }

  private one(at: number): StreamEvent {
    const u = this.rng.next();
    const person = this.person();
    if (u < 0.08) {
      const failed = this.rng.next() < this.failureShare;
      return this.envelope('auth.attempt', person, person.tenantId, at, {
        outcome: failed ? 'failure' : 'success',
        ...(failed
          ? {
              failure_reason: FAILURE_REASONS[
                Math.floor(this.rng.next() * FAILURE_REASONS.length)
              ] as 'invalid_password',
            }
          : {}),
        attempted_email: person.email,
        ip: this.ip(),
        user_agent: USER_AGENTS[pick(AGENT_CDF, this.rng.next())]!.ua,
      });
    }
    if (u < 0.14 || this.open.length === 0) {
      const agent = USER_AGENTS[pick(AGENT_CDF, this.rng.next())]!;
      const sessionId = String(this.nextSessionId++);
      // Sessions last minutes (log-normal, median 4 min); one in ten is never ended (a closed laptop lid).
      const endsAt =
        this.rng.next() < 0.1 ? Number.POSITIVE_INFINITY : at + lognormal(this.rng, Math.log(240_000), 0.6);
      this.open.push({ sessionId, person, endsAt });
      return this.envelope('session.start', person, person.tenantId, at, {
        session_id: sessionId,
        device: agent.device,
        ip: this.ip(),
        user_agent: agent.ua,
      });
    }
    if (u < 0.6) {
      const s = this.open[Math.floor(this.rng.next() * this.open.length)]!;
      const feature = FEATURES[pick(FEATURE_CDF, this.rng.next())]!;
      return this.envelope('feature.used', s.person, s.person.tenantId, at, {
        feature: feature.name,
        action: feature.actions[Math.floor(this.rng.next() * feature.actions.length)]!,
        session_id: s.sessionId,
      });
    }
    const endpoint = ENDPOINTS[pick(ENDPOINT_CDF, this.rng.next())]!;
    const latency = Math.max(1, Math.round(lognormal(this.rng, Math.log(endpoint.medianMs), 0.7)));
    const r = this.rng.next();
    const status =
      r < 0.005 ? 500 : r < 0.01 ? 503 : r < 0.04 ? 404 : r < 0.05 ? 422 : endpoint.method === 'POST' ? 201 : 200;
    return this.envelope('api.request', person, person.tenantId, at, {
      endpoint: endpoint.path.replaceAll('{id}', ':id'),
      method: endpoint.method,
      status,
      latency_ms: latency,
    });
  }

  /** Sessions still open (their ends were never emitted). */
  openSessions(): number {
    return this.open.length;
  }
}

/** Kinds of bad input `--malformed-share` mixes in (what a buggy producer sends). */
export const MALFORMED_KINDS = ['bad_json', 'wrong_types', 'unknown_type', 'future_version', 'oversized'] as const;

/** A malformed message of a kind chosen by the generator's stream, built from a valid event. */
export function malformedMessage(
  rng: Rng,
  valid: StreamEvent,
): { kind: (typeof MALFORMED_KINDS)[number]; data: Buffer } {
  const kind = MALFORMED_KINDS[Math.floor(rng.next() * MALFORMED_KINDS.length)]!;
  const json = JSON.stringify(valid);
  switch (kind) {
    case 'bad_json':
      return { kind, data: Buffer.from(json.slice(0, Math.max(1, Math.floor(json.length / 2)))) };
    case 'wrong_types':
      return { kind, data: Buffer.from(JSON.stringify({ ...valid, tenant_id: 42, occurred_at: 'yesterday' })) };
    case 'unknown_type':
      return { kind, data: Buffer.from(JSON.stringify({ ...valid, type: 'candidate.hired' })) };
    case 'future_version':
      return { kind, data: Buffer.from(JSON.stringify({ ...valid, schema_version: 2 })) };
    case 'oversized':
      return { kind, data: Buffer.from(JSON.stringify({ ...valid, padding: 'x'.repeat(20_000) })) };
  }
}
