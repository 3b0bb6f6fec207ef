import { CITIES, COUNTRY_OCTETS, USER_AGENTS, WEEKDAY_WEIGHTS } from './catalog';
import { DAY_MS } from './copy-text';
import { lognormal, pick, poisson } from './distributions';
import { hash32, Xoshiro128 } from './prng';
import { SESSION_MAX_MS, SESSION_MEDIAN_MS, SESSION_SIGMA } from './session-model';
import { SALT, tzOffset, type World } from './world';

/** One session; the stream reuses a single object, so consumers read it and move on. */
export interface Session {
  id: number;
  user: number;
  tenant: number;
  start: number;
  /** ended_at; NaN while still open at the end of the window. */
  end: number;
  /** Where events stop: the session's end, the window's end or the user's deactivation, whichever is first. */
  spanEnd: number;
  agent: number;
  /** Window day (0-based) of the local calendar date the session was drawn for. */
  day: number;
}

const MU = Math.log(SESSION_MEDIAN_MS);

/**
 * Replays the sessions of the window, one day at a time, identically on every pass: session rows, and each
 * event table, walk the same sequence (and so the same session ids) without anything being kept in memory.
 * Days are generated in order so a day's rows sit together on disk, which keeps one-day extracts cheap.
 */
export class SessionStream {
  private nextId = 1;
  private readonly rng = new Xoshiro128(0);
  private readonly s: Session = { id: 0, user: 0, tenant: 0, start: 0, end: 0, spanEnd: 0, agent: 0, day: 0 };

  constructor(private readonly world: World) {}

  *day(day: number): Generator<Session> {
    const w = this.world;
    const { rng, s } = this;
    rng.reseed(hash32(w.options.seed, SALT.sessionDay, day));
    const dayStart = (w.firstDay + day) * DAY_MS;
    // Epoch day 0 was a Thursday; weekday 0 is Sunday.
    const weekdayWeight = WEEKDAY_WEIGHTS[(w.firstDay + day + 4) % 7] ?? 1;
    const rate = w.sessionRate * weekdayWeight;
    for (let u = 0; u < w.userCount; u++) {
      const from = Math.max(w.userActiveFrom[u] ?? Infinity, w.windowStart);
      const to = Math.min(w.userActiveUntil[u] ?? 0, w.windowEnd);
      // A local calendar day spans UTC dayStart-14h .. dayStart+36h at the extreme time zones.
      if (from >= dayStart + 1.5 * DAY_MS || to <= dayStart - 0.6 * DAY_MS) continue;
      const n = poisson(rng, rate * (w.userWeight[u] ?? 0));
      if (n === 0) continue;
      const offsetMs = tzOffset(w, w.userCity[u] ?? 0, day) * 60_000;
      for (let k = 0; k < n; k++) {
        const hour = pick(w.hourCdf, rng.next());
        const start = Math.floor(dayStart + (hour + rng.next()) * 3_600_000 - offsetMs);
        const length = Math.min(lognormal(rng, MU, SESSION_SIGMA), SESSION_MAX_MS);
        const agent = rng.next() < 0.85 ? (w.userAgent[u] ?? 0) : pick(w.agentCdf, rng.next());
        if (start < from || start >= to) continue;
        const end = Math.floor(start + length);
        const until = w.userActiveUntil[u] ?? Infinity;
        s.id = this.nextId++;
        s.user = u;
        s.tenant = w.userTenant[u] ?? 0;
        s.start = start;
        s.end = end > until ? Math.floor(until) : end >= w.windowEnd ? NaN : end;
        s.spanEnd = Math.max(start + 1, Math.min(end, to));
        s.agent = agent;
        s.day = day;
        yield s;
      }
    }
  }

  *all(): Generator<Session> {
    for (let d = 0; d < this.world.options.days; d++) yield* this.day(d);
  }
}

/** The address a session came from: the user's home line, or a fresh carrier address on mobile. */
export function sessionIp(world: World, s: Session): string {
  const u = s.user;
  const country = CITIES[world.userCity[u] ?? 0]?.country ?? 'IN';
  const octets = COUNTRY_OCTETS[country] ?? [10];
  const mobile = USER_AGENTS[s.agent]?.device === 'mobile';
  const h = mobile ? hash32(world.options.seed, SALT.ip, u, s.id) : hash32(world.options.seed, SALT.ip, u);
  return `${octets[h % octets.length] ?? 10}.${(h >>> 8) & 255}.${(h >>> 16) & 255}.${((h >>> 24) & 253) + 1}`;
}

/** Fills `world.userLastLogin` (a users column) from one pass over the sessions. */
export function computeLastLogins(world: World): number {
  let sessions = 0;
  for (const s of new SessionStream(world).all()) {
    sessions++;
    const last = world.userLastLogin[s.user] ?? NaN;
    if (!(last >= s.start)) world.userLastLogin[s.user] = s.start;
  }
  return sessions;
}
