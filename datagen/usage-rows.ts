import { ENDPOINTS, FEATURES, PERMISSIONS, USER_AGENTS } from './catalog';
import { BatchWriter, DAY_MS, formatTimestamp as ts, NULL, type CopyBatch } from './copy-text';
import { cumulative, exponential, logistic, lognormal, pareto, pick, randomRound } from './distributions';
import { teamsOf } from './dimension-rows';
import { planApiIncidents, type ApiIncident } from './incidents';
import { hash32, hashUnit, Xoshiro128 } from './prng';
import { INTEGRATION_SHARE, PER_SESSION, SESSION_MEAN_MS } from './session-model';
import { sessionIp, SessionStream, type Session } from './sessions';
import { SALT, type World } from './world';

/** How many rows of a table a session gets: proportional to its length, mean `perSession`. */
const rowsFor = (r: Xoshiro128, s: Session, perSession: number) =>
  randomRound(r, (perSession * (s.spanEnd - s.start)) / SESSION_MEAN_MS);

/** Spreads n events over the session in order, each jittered within its slot. */
const slot = (r: Xoshiro128, s: Session, i: number, n: number) =>
  s.start + Math.floor(((s.spanEnd - s.start) * (i + r.next())) / n);

export function* sessions(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (const s of new SessionStream(w).all()) {
    const agent = USER_AGENTS[s.agent];
    out.row(
      `${s.id}\t${s.user + 1}\t${s.tenant + 1}\t${ts(s.start)}\t${Number.isNaN(s.end) ? NULL : ts(s.end)}\t` +
        `${sessionIp(w, s)}\t${agent?.ua}\t${agent?.device}`,
    );
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

const CORE = FEATURES.map((f) => (f.adoption ? 0 : f.weight));

/** Share of users who have adopted each feature on each window day (1 for core features). */
function adoptionByDay(w: World): Float64Array[] {
  const days = w.options.days;
  return FEATURES.map((f) =>
    Float64Array.from({ length: days }, (_, d) =>
      f.adoption ? f.adoption.ceiling * logistic((d - f.adoption.midpoint * days) / f.adoption.widthDays) : 1,
    ),
  );
}

function metadata(r: Xoshiro128, kind: (typeof FEATURES)[number]['metadata'], device: string): string {
  switch (kind) {
    case 'entity':
      return `{"entity_id":${100_000 + r.int(900_000)},"client":"${device}"}`;
    case 'search':
      return `{"results":${Math.floor(lognormal(r, 3, 1.2))},"filters":${r.int(6)},"client":"${device}"}`;
    case 'export':
      return `{"rows":${Math.floor(lognormal(r, 5, 1.5))}}`;
    case 'message':
      return `{"recipients":${1 + Math.floor(exponential(r, 2))}}`;
  }
}

export function* activityEvents(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  const r = new Xoshiro128(0);
  const featureCdf = cumulative(FEATURES.map((f) => f.weight));
  const coreCdf = cumulative(CORE);
  const adoption = adoptionByDay(w);
  let id = 1;
  for (const s of new SessionStream(w).all()) {
    r.reseed(hash32(w.options.seed, SALT.activity, s.id));
    const n = rowsFor(r, s, PER_SESSION.activity);
    const device = USER_AGENTS[s.agent]?.device ?? 'desktop';
    const prefix = `\t${s.tenant + 1}\t${s.user + 1}\t${s.id}\t`;
    for (let i = 0; i < n; i++) {
      const at = slot(r, s, i, n);
      let f = pick(featureCdf, r.next());
      // Adoption is per user and monotone in time: a user who has adopted a feature keeps using it.
      const share = adoption[f]?.[s.day] ?? 1;
      if (share < 1 && hashUnit(w.options.seed, SALT.adoption, s.user, f) >= share) f = pick(coreCdf, r.next());
      const feature = FEATURES[f] ?? FEATURES[0];
      if (!feature) continue;
      const action = feature.actions[r.int(feature.actions.length)];
      out.row(`${id++}${prefix}${feature.name}\t${action}\t${metadata(r, feature.metadata, device)}\t${ts(at)}`);
    }
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

const SERVER_ERRORS = [500, 502, 503, 504];
const CLIENT_ERRORS = [400, 404, 404, 404, 422, 401, 403, 429];

function outcome(r: Xoshiro128, at: number, e: number, incidents: ApiIncident[]): [status: number, ms: number] {
  const endpoint = ENDPOINTS[e];
  const median = endpoint?.medianMs ?? 50;
  // Most requests are near the median; 1% hit a Pareto tail (cold caches, lock waits, GC pauses).
  let ms = median * lognormal(r, 0, 0.55) * (r.next() < 0.01 ? pareto(r, 1.3) : 1);
  let status = 0;
  for (const inc of incidents) {
    if (at >= inc.start && at < inc.end && (inc.endpoint < 0 || inc.endpoint === e)) {
      ms *= inc.slowdown;
      if (r.next() < inc.errorRate) status = SERVER_ERRORS[r.int(SERVER_ERRORS.length)] ?? 500;
    }
  }
  if (status === 0) {
    const roll = r.next();
    if (roll < 0.002) status = SERVER_ERRORS[r.int(SERVER_ERRORS.length)] ?? 500;
    else if (roll < 0.035) {
      status = CLIENT_ERRORS[r.int(CLIENT_ERRORS.length)] ?? 400;
      ms *= 0.3;
    } else status = endpoint?.method === 'POST' ? 201 : endpoint?.method === 'DELETE' ? 204 : 200;
  }
  return [status, Math.min(Math.floor(ms), 120_000)];
}

/**
 * Requests made by people in their sessions, then each day's integration traffic (API keys, no user), which
 * is flat around the clock. Incidents add error bursts and slowdowns over a few minutes.
 */
export function* apiRequests(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  const r = new Xoshiro128(0);
  const incidents = planApiIncidents(w, w.endpointCdf);
  const stream = new SessionStream(w);
  let id = 1;
  const write = (at: number, tenant: number, user: number | null, e: number) => {
    const endpoint = ENDPOINTS[e];
    const [status, ms] = outcome(r, at, e, incidents);
    out.row(
      `${id++}\t${tenant + 1}\t${user === null ? NULL : user + 1}\t${endpoint?.path}\t${endpoint?.method}\t` +
        `${status}\t${ms}\t${ts(at)}`,
    );
  };
  for (let day = 0; day < w.options.days; day++) {
    let personal = 0;
    for (const s of stream.day(day)) {
      r.reseed(hash32(w.options.seed, SALT.api, s.id));
      const n = rowsFor(r, s, PER_SESSION.api);
      for (let i = 0; i < n; i++) write(slot(r, s, i, n), s.tenant, s.user, pick(w.endpointCdf, r.next()));
      personal += n;
      if (out.full) yield out.take();
    }
    if (!w.tenantByIntegration) continue;
    r.reseed(hash32(w.options.seed, SALT.integration, day));
    const machine = randomRound(r, (personal * INTEGRATION_SHARE) / (1 - INTEGRATION_SHARE));
    const dayStart = (w.firstDay + day) * DAY_MS;
    for (let i = 0; i < machine; i++) {
      const tenant = pick(w.tenantByIntegration, r.next());
      write(
        dayStart + Math.floor(DAY_MS * ((i + r.next()) / machine)),
        tenant,
        null,
        pick(w.integrationEndpointCdf, r.next()),
      );
      if (out.full) yield out.take();
    }
  }
  if (out.pending) yield out.take();
}

const KINDS = ['shared', 'commented', 'assigned', 'mentioned'] as const;
const KIND_CDF = cumulative([30, 35, 20, 15]);

/** Actions on team mates: assignments and mentions name a colleague in the same team; comments nobody. */
export function* collaborationEvents(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  const r = new Xoshiro128(0);
  let id = 1;
  for (const s of new SessionStream(w).all()) {
    r.reseed(hash32(w.options.seed, SALT.collaboration, s.id));
    const n = rowsFor(r, s, PER_SESSION.collaboration);
    if (n === 0) continue;
    const tenantFirst = w.tenantUserStart[s.tenant] ?? 0;
    const size = (w.tenantUserStart[s.tenant + 1] ?? tenantFirst + 1) - tenantFirst;
    const local = s.user - tenantFirst;
    const teams = teamsOf(w, s.tenant);
    const k = local % teams.count;
    const members = Math.floor((size - 1 - k) / teams.count) + 1;
    const myIndex = Math.floor(local / teams.count);
    for (let i = 0; i < n; i++) {
      const at = slot(r, s, i, n);
      const kind = KINDS[pick(KIND_CDF, r.next())] ?? 'shared';
      let target = NULL;
      const named = kind === 'assigned' || kind === 'mentioned' || (kind === 'shared' && r.next() < 0.5);
      if (named && members > 1) {
        let j = r.int(members - 1);
        if (j >= myIndex) j++;
        target = String(tenantFirst + k + j * teams.count + 1);
      }
      out.row(`${id++}\t${s.tenant + 1}\t${teams.first + k + 1}\t${s.user + 1}\t${target}\t${kind}\t${ts(at)}`);
    }
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

const RESOURCE_PREFIX = PERMISSIONS.map((p) => `${p.name.split(':')[0]}/`);

/** Mostly checks the UI expects to pass (it hides what a role cannot do); the rest are denials. */
export function* permissionChecks(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  const r = new Xoshiro128(0);
  let id = 1;
  const held: number[] = [];
  for (const s of new SessionStream(w).all()) {
    r.reseed(hash32(w.options.seed, SALT.permission, s.id));
    const n = rowsFor(r, s, PER_SESSION.permission);
    if (n === 0) continue;
    const mask = w.userPermissions[s.user] ?? 0;
    held.length = 0;
    for (let p = 0; p < PERMISSIONS.length; p++) if (mask & (1 << p)) held.push(p);
    for (let i = 0; i < n; i++) {
      const at = slot(r, s, i, n);
      const p = r.next() < 0.92 && held.length ? (held[r.int(held.length)] ?? 0) : r.int(PERMISSIONS.length);
      const granted = mask & (1 << p) ? 't' : 'f';
      out.row(
        `${id++}\t${s.tenant + 1}\t${s.user + 1}\t${RESOURCE_PREFIX[p]}${100_000 + r.int(900_000)}\t` +
          `${PERMISSIONS[p]?.name}\t${granted}\t${ts(at)}`,
      );
    }
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}
