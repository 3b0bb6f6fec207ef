import { CITIES, ENDPOINTS, HOURLY_WEIGHTS, PERMISSIONS, ROLES, USER_AGENTS, WEEKDAY_WEIGHTS } from './catalog';
import { DAY_MS } from './copy-text';
import { apportion, cumulative, lognormal, pick, zipfWeights } from './distributions';
import type { GenerateOptions } from './options';
import { hash32, Xoshiro128 } from './prng';
import { EVENTS_PER_SESSION } from './session-model';

/** Independent random streams: each purpose hashes the seed with its own salt. */
export const SALT = {
  tenant: 1,
  tenantOrder: 2,
  user: 3,
  userText: 4,
  sessionDay: 5,
  ip: 6,
  auth: 7,
  activity: 8,
  api: 9,
  permission: 10,
  collaboration: 11,
  adoption: 12,
  legalHold: 13,
  incidents: 14,
  integration: 15,
} as const;

export const PLANS = ['free', 'starter', 'growth', 'enterprise'] as const;
export const TENANT_STATUSES = ['trial', 'active', 'suspended', 'churned'] as const;
export const USER_STATUSES = ['invited', 'active', 'suspended', 'deleted'] as const;
const USER_STATUS = { invited: 0, active: 1, suspended: 2, deleted: 3 } as const;

/** Average users per tenant; tenant sizes themselves follow a Zipf law around it. */
const USERS_PER_TENANT = 40;
const ZIPF_EXPONENT = 1.1;
const TEAM_SIZE = 15;

/**
 * The generated organisation, held as typed arrays (tens of bytes per user) so a million users fit comfortably;
 * rows themselves are never held, they are derived again from these arrays and the seed while streaming.
 */
export interface World {
  options: GenerateOptions;
  windowStart: number;
  windowEnd: number;
  /** Epoch day number of the window's first day. */
  firstDay: number;

  tenantCount: number;
  /** Users of tenant t are [tenantUserStart[t], tenantUserStart[t + 1]). */
  tenantUserStart: Int32Array;
  /** Teams of tenant t are [tenantTeamStart[t], tenantTeamStart[t + 1]) (0-based; ids are +1). */
  tenantTeamStart: Int32Array;
  tenantPlan: Uint8Array;
  tenantStatus: Uint8Array;
  tenantCountry: string[];
  tenantCreatedAt: Float64Array;
  tenantMfa: Uint8Array;
  /** Picks a tenant in proportion to its size (attacks target big tenants more often). */
  tenantBySize: Float64Array;
  /** Picks a tenant for API-key traffic: only growth and enterprise plans integrate. */
  tenantByIntegration: Float64Array | null;

  userCount: number;
  userTenant: Int32Array;
  userCity: Uint8Array;
  userRoles: Uint8Array;
  /** Second role (index + 1), 0 for none. */
  userExtraRole: Uint8Array;
  userPermissions: Uint32Array;
  userAgent: Uint8Array;
  userWeight: Float32Array;
  userStatus: Uint8Array;
  userCreatedAt: Float64Array;
  userUpdatedAt: Float64Array;
  userActiveFrom: Float64Array;
  userActiveUntil: Float64Array;
  /** Start of the user's latest session (NaN when none); filled by a pass over the sessions. */
  userLastLogin: Float64Array;

  /** Mean sessions per user-day at weight 1 on a weight-1 weekday, calibrated to the event budget. */
  sessionRate: number;
  /** UTC offset in minutes per city and window day (DST-aware), index city * (days + 2) + day + 1. */
  tzOffsetMinutes: Int16Array;

  hourCdf: Float64Array;
  roleCdf: Float64Array;
  agentCdf: Float64Array;
  cityCdf: Float64Array;
  citiesByCountry: Map<string, { cities: number[]; cdf: Float64Array }>;
  endpointCdf: Float64Array;
  integrationEndpointCdf: Float64Array;
}

function dayStartMs(isoDay: string): number {
  return Date.parse(`${isoDay}T00:00:00Z`);
}

/** Offsets from the IANA database through Intl, so local hours agree with PostgreSQL's `at time zone`. */
function tzOffsets(firstDay: number, days: number): Int16Array {
  const out = new Int16Array(CITIES.length * (days + 2));
  const byZone = new Map<string, Int16Array>();
  CITIES.forEach((city, c) => {
    let offsets = byZone.get(city.timezone);
    if (!offsets) {
      offsets = new Int16Array(days + 2);
      const fmt = new Intl.DateTimeFormat('en-US', { timeZone: city.timezone, timeZoneName: 'longOffset' });
      for (let d = -1; d <= days; d++) {
        const name = fmt.formatToParts((firstDay + d) * DAY_MS + DAY_MS / 2).find((p) => p.type === 'timeZoneName');
        const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name?.value ?? 'GMT');
        offsets[d + 1] = m?.[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
      }
      byZone.set(city.timezone, offsets);
    }
    out.set(offsets, c * (days + 2));
  });
  return out;
}

export function tzOffset(world: World, city: number, day: number): number {
  const days = world.options.days;
  const d = Math.min(Math.max(day, -1), days);
  return world.tzOffsetMinutes[city * (days + 2) + d + 1] ?? 0;
}

function permissionMask(role: number): number {
  const perms = ROLES[role]?.permissions ?? [];
  if (perms === 'all') return (1 << PERMISSIONS.length) - 1;
  let mask = 0;
  for (const name of perms) mask |= 1 << PERMISSIONS.findIndex((p) => p.name === name);
  return mask;
}

export function buildWorld(options: GenerateOptions): World {
  const { seed, days } = options;
  const windowEnd = dayStartMs(options.endDate) + DAY_MS;
  const windowStart = windowEnd - days * DAY_MS;
  const firstDay = windowStart / DAY_MS;
  const rng = new Xoshiro128(hash32(seed, SALT.tenant));

  const citiesByCountry = new Map<string, { cities: number[]; cdf: Float64Array }>();
  for (const country of new Set(CITIES.map((c) => c.country))) {
    const cities = CITIES.flatMap((c, i) => (c.country === country ? [i] : []));
    citiesByCountry.set(country, { cities, cdf: cumulative(cities.map((i) => CITIES[i]?.weight ?? 0)) });
  }
  const cityCdf = cumulative(CITIES.map((c) => c.weight));
  const roleCdf = cumulative(ROLES.map((r) => r.weight));

  // Tenants: Zipf sizes by rank, ranks shuffled so tenant ids do not sort by size.
  const tenantCount = Math.max(1, Math.round(options.users / USERS_PER_TENANT));
  const sizesByRank = apportion(options.users, zipfWeights(tenantCount, ZIPF_EXPONENT), 1);
  const rankOf = Int32Array.from({ length: tenantCount }, (_, i) => i);
  const order = new Xoshiro128(hash32(seed, SALT.tenantOrder));
  for (let i = tenantCount - 1; i > 0; i--) {
    const j = order.int(i + 1);
    const tmp = rankOf[i] ?? 0;
    rankOf[i] = rankOf[j] ?? 0;
    rankOf[j] = tmp;
  }
  const tenantUserStart = new Int32Array(tenantCount + 1);
  const tenantTeamStart = new Int32Array(tenantCount + 1);
  const tenantPlan = new Uint8Array(tenantCount);
  const tenantStatus = new Uint8Array(tenantCount);
  const tenantCountry: string[] = [];
  const tenantCreatedAt = new Float64Array(tenantCount);
  const tenantActiveUntil = new Float64Array(tenantCount);
  const tenantMfa = new Uint8Array(tenantCount);
  const tenantSize = new Float64Array(tenantCount);
  for (let t = 0; t < tenantCount; t++) {
    const rank = rankOf[t] ?? 0;
    const size = sizesByRank[rank] ?? 1;
    tenantSize[t] = size;
    tenantUserStart[t + 1] = (tenantUserStart[t] ?? 0) + size;
    tenantTeamStart[t + 1] = (tenantTeamStart[t] ?? 0) + Math.max(1, Math.ceil(size / TEAM_SIZE));
    const top = rank / tenantCount;
    // Big customers buy big plans; the jitter keeps it from being a strict rule.
    const planScore = top + (rng.next() - 0.5) * 0.2;
    const plan = planScore < 0.05 ? 3 : planScore < 0.25 ? 2 : planScore < 0.65 ? 1 : 0;
    tenantPlan[t] = plan;
    tenantCountry.push(CITIES[pick(cityCdf, rng.next())]?.country ?? 'IN');
    tenantMfa[t] = plan === 3 || rng.next() < (plan === 2 ? 0.5 : 0.1) ? 1 : 0;
    const roll = rng.next();
    let status = 1;
    let created = windowStart - (60 + rng.next() * 1400) * DAY_MS;
    let activeUntil = Infinity;
    if (rank >= 10 && roll < 0.02) {
      status = 3;
      activeUntil = windowStart - rng.next() * 30 * DAY_MS;
      created = Math.min(created, activeUntil - 90 * DAY_MS);
    } else if (rank >= 10 && roll < 0.04) {
      status = 2;
      activeUntil = windowStart + rng.next() * (windowEnd - windowStart);
    } else if (plan <= 1 && roll < 0.14) {
      status = 0;
      created = windowEnd - (2 + rng.next() * 28) * DAY_MS;
    }
    tenantStatus[t] = status;
    tenantCreatedAt[t] = Math.floor(created);
    tenantActiveUntil[t] = activeUntil;
  }

  const userCount = options.users;
  const userTenant = new Int32Array(userCount);
  const userCity = new Uint8Array(userCount);
  const userRoles = new Uint8Array(userCount);
  const userExtraRole = new Uint8Array(userCount);
  const userPermissions = new Uint32Array(userCount);
  const userAgent = new Uint8Array(userCount);
  const userWeight = new Float32Array(userCount);
  const userStatus = new Uint8Array(userCount);
  const userCreatedAt = new Float64Array(userCount);
  const userUpdatedAt = new Float64Array(userCount);
  const userActiveFrom = new Float64Array(userCount);
  const userActiveUntil = new Float64Array(userCount);
  const agentCdf = cumulative(USER_AGENTS.map((a) => a.weight));
  const masks = ROLES.map((_, r) => permissionMask(r));
  const urng = new Xoshiro128(0);
  let weightedUserDays = 0;
  const meanWeekday = WEEKDAY_WEIGHTS.reduce((a, b) => a + b, 0) / 7;

  for (let t = 0; t < tenantCount; t++) {
    const home = citiesByCountry.get(tenantCountry[t] ?? 'IN');
    const tenantCreated = tenantCreatedAt[t] ?? windowStart;
    const tenantUntil = tenantActiveUntil[t] ?? Infinity;
    for (let u = tenantUserStart[t] ?? 0, local = 0; u < (tenantUserStart[t + 1] ?? 0); u++, local++) {
      urng.reseed(hash32(seed, SALT.user, u));
      userTenant[u] = t;
      // Most staff sit in the tenant's home country; the rest anywhere (remote teams, global offices).
      userCity[u] =
        home && urng.next() < 0.7 ? (home.cities[pick(home.cdf, urng.next())] ?? 0) : pick(cityCdf, urng.next());
      const role = local === 0 ? 0 : pick(roleCdf, urng.next());
      userRoles[u] = role;
      const extra = urng.next() < 0.1 && role !== 3 ? 3 : -1;
      userExtraRole[u] = extra + 1;
      userPermissions[u] = (masks[role] ?? 0) | (extra >= 0 ? (masks[extra] ?? 0) : 0);
      userAgent[u] = pick(agentCdf, urng.next());
      userWeight[u] = lognormal(urng, 0, 1);
      const created =
        local === 0 ? tenantCreated : Math.floor(tenantCreated + urng.next() * (windowEnd - DAY_MS - tenantCreated));
      userCreatedAt[u] = created;
      const roll = urng.next();
      const changeAt = Math.floor(
        Math.max(created, windowStart) + urng.next() * (windowEnd - Math.max(created, windowStart)),
      );
      let status: number = USER_STATUS.active;
      let until = tenantUntil;
      if (local > 0 && roll < 0.05) status = USER_STATUS.invited;
      else if (local > 0 && roll < 0.085) status = USER_STATUS.suspended;
      else if (local > 0 && roll < 0.11) status = USER_STATUS.deleted;
      if (status === USER_STATUS.suspended || status === USER_STATUS.deleted) until = Math.min(until, changeAt);
      userStatus[u] = status;
      userUpdatedAt[u] =
        status === USER_STATUS.active ? Math.floor(created + urng.next() ** 2 * (windowEnd - created)) : changeAt;
      userActiveFrom[u] = status === USER_STATUS.invited ? Infinity : created;
      userActiveUntil[u] = until;
      const from = Math.max(userActiveFrom[u] ?? Infinity, windowStart);
      const to = Math.min(until, windowEnd);
      if (to > from) weightedUserDays += (userWeight[u] ?? 0) * ((to - from) / DAY_MS) * meanWeekday;
    }
  }

  const tenantBySize = cumulative(tenantSize);
  const integrationWeights = Array.from(tenantSize, (s, t) => ((tenantPlan[t] ?? 0) >= 2 ? s : 0));
  const targetSessions = options.events / EVENTS_PER_SESSION;
  return {
    options,
    windowStart,
    windowEnd,
    firstDay,
    tenantCount,
    tenantUserStart,
    tenantTeamStart,
    tenantPlan,
    tenantStatus,
    tenantCountry,
    tenantCreatedAt,
    tenantMfa,
    tenantBySize,
    tenantByIntegration: integrationWeights.some((w) => w > 0) ? cumulative(integrationWeights) : null,
    userCount,
    userTenant,
    userCity,
    userRoles,
    userExtraRole,
    userPermissions,
    userAgent,
    userWeight,
    userStatus,
    userCreatedAt,
    userUpdatedAt,
    userActiveFrom,
    userActiveUntil,
    userLastLogin: new Float64Array(userCount).fill(NaN),
    sessionRate: weightedUserDays > 0 ? targetSessions / weightedUserDays : 0,
    tzOffsetMinutes: tzOffsets(firstDay, days),
    hourCdf: cumulative(HOURLY_WEIGHTS),
    roleCdf,
    agentCdf,
    cityCdf,
    citiesByCountry,
    endpointCdf: cumulative(ENDPOINTS.map((e) => e.weight)),
    integrationEndpointCdf: cumulative(ENDPOINTS.map((e) => e.integrationWeight)),
  };
}
