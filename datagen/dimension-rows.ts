import { CITIES, LEGAL_HOLD_REASONS, PERMISSIONS, ROLES, TEAM_NAMES, TENANT_REGION } from './catalog';
import { BatchWriter, DAY_MS, formatTimestamp as ts, NULL, type CopyBatch } from './copy-text';
import { hash32, hashUnit } from './prng';
import { person, tenantName } from './people';
import { PLANS, SALT, TENANT_STATUSES, USER_STATUSES, type World } from './world';

/** Rows of one table, produced lazily in batches. */
export type RowSource = (world: World) => Generator<CopyBatch>;

const roleId = (tenant: number, role: number) => tenant * ROLES.length + role + 1;

export function teamsOf(world: World, tenant: number): { first: number; count: number } {
  const first = world.tenantTeamStart[tenant] ?? 0;
  return { first, count: (world.tenantTeamStart[tenant + 1] ?? first + 1) - first };
}

/** Teams are created one week apart from the tenant's start, so joins never predate their team. */
const teamCreatedAt = (world: World, tenant: number, k: number) =>
  (world.tenantCreatedAt[tenant] ?? world.windowStart) + k * 7 * DAY_MS;

function* tenants(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (let t = 0; t < w.tenantCount; t++) {
    const { name } = tenantName(w, t);
    const region = TENANT_REGION[w.tenantCountry[t] ?? 'IN'] ?? 'us';
    out.row(
      `${t + 1}\t${name}\t${PLANS[w.tenantPlan[t] ?? 0]}\t${region}\t${TENANT_STATUSES[w.tenantStatus[t] ?? 1]}\t` +
        ts(w.tenantCreatedAt[t] ?? 0),
    );
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

function* permissions(): Generator<CopyBatch> {
  const out = new BatchWriter();
  PERMISSIONS.forEach((p, i) => {
    const [resource, action] = p.name.split(':');
    out.row(`${i + 1}\t${p.name}\t${resource}\t${action}\t${p.description}`);
  });
  yield out.take();
}

function* roles(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (let t = 0; t < w.tenantCount; t++) {
    const created = ts(w.tenantCreatedAt[t] ?? 0);
    ROLES.forEach((r, i) => out.row(`${roleId(t, i)}\t${t + 1}\t${r.name}\t${r.description}\tt\t${created}`));
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

function* rolePermissions(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (let t = 0; t < w.tenantCount; t++) {
    ROLES.forEach((r, i) => {
      PERMISSIONS.forEach((p, j) => {
        if (r.permissions === 'all' || r.permissions.includes(p.name)) out.row(`${roleId(t, i)}\t${j + 1}`);
      });
    });
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

function* users(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (let t = 0; t < w.tenantCount; t++) {
    const { domain } = tenantName(w, t);
    for (let u = w.tenantUserStart[t] ?? 0; u < (w.tenantUserStart[t + 1] ?? 0); u++) {
      const p = person(w, u, domain);
      const city = CITIES[w.userCity[u] ?? 0];
      const status = USER_STATUSES[w.userStatus[u] ?? 1];
      const lastLogin = w.userLastLogin[u] ?? NaN;
      out.row(
        `${u + 1}\t${t + 1}\t${p.email}\t${p.fullName}\t${p.phone ?? NULL}\t${city?.country}\t${city?.region}\t` +
          `${city?.city}\t${city?.timezone}\t${p.jobTitle}\t${status}\t${ts(w.userCreatedAt[u] ?? 0)}\t` +
          `${ts(w.userUpdatedAt[u] ?? 0)}\t${Number.isNaN(lastLogin) ? NULL : ts(lastLogin)}\t` +
          (status === 'deleted' ? ts(w.userUpdatedAt[u] ?? 0) : NULL),
      );
      if (out.full) yield out.take();
    }
  }
  if (out.pending) yield out.take();
}

function* userRoles(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (let u = 0; u < w.userCount; u++) {
    const t = w.userTenant[u] ?? 0;
    const created = w.userCreatedAt[u] ?? 0;
    out.row(`${u + 1}\t${roleId(t, w.userRoles[u] ?? 0)}\t${ts(created)}`);
    const extra = (w.userExtraRole[u] ?? 0) - 1;
    if (extra >= 0) {
      const later = created + hashUnit(w.options.seed, SALT.user, u, 1) * Math.max(0, w.windowEnd - created);
      out.row(`${u + 1}\t${roleId(t, extra)}\t${ts(Math.floor(later))}`);
    }
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

function* teams(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (let t = 0; t < w.tenantCount; t++) {
    const { first, count } = teamsOf(w, t);
    for (let k = 0; k < count; k++) {
      const lap = Math.floor(k / TEAM_NAMES.length);
      const name = `${TEAM_NAMES[k % TEAM_NAMES.length]}${lap ? ` ${lap + 1}` : ''}`;
      out.row(`${first + k + 1}\t${t + 1}\t${name}\t${ts(teamCreatedAt(w, t, k))}`);
    }
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

/** Each user is in one team (round-robin within the tenant); the first member of each team leads it. */
function* teamMembers(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (let u = 0; u < w.userCount; u++) {
    const t = w.userTenant[u] ?? 0;
    const local = u - (w.tenantUserStart[t] ?? 0);
    const { first, count } = teamsOf(w, t);
    const k = local % count;
    const joined = Math.max(w.userCreatedAt[u] ?? 0, teamCreatedAt(w, t, k));
    out.row(`${first + k + 1}\t${u + 1}\t${local < count ? 'lead' : 'member'}\t${ts(joined)}`);
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

/** About one user in five hundred is on hold, plus one fixed user so small seeds always have one. */
export function isOnLegalHold(w: World, u: number): boolean {
  return u === Math.floor(w.userCount / 2) || hashUnit(w.options.seed, SALT.legalHold, u) < 0.002;
}

function* legalHolds(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  for (let u = 0; u < w.userCount; u++) {
    if (!isOnLegalHold(w, u)) continue;
    const h = hash32(w.options.seed, SALT.legalHold, u, 1);
    const created = Math.max(w.userCreatedAt[u] ?? 0, w.windowStart - (h % 200) * DAY_MS);
    const reason = LEGAL_HOLD_REASONS[(h >>> 8) % LEGAL_HOLD_REASONS.length];
    out.row(`${u + 1}\t${(w.userTenant[u] ?? 0) + 1}\t${reason}\t${ts(created)}`);
    if (out.full) yield out.take();
  }
  if (out.pending) yield out.take();
}

export const DIMENSION_ROWS = {
  tenants,
  permissions,
  roles,
  role_permissions: rolePermissions,
  users,
  user_roles: userRoles,
  teams,
  team_members: teamMembers,
  legal_holds: legalHolds,
} satisfies Record<string, RowSource>;
