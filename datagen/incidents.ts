import { ATTACKER_AGENTS, ATTACKER_OCTETS } from './catalog';
import { DAY_MS } from './copy-text';
import { pick } from './distributions';
import { hash32, Xoshiro128 } from './prng';
import { SALT, type World } from './world';

/** Many failed logins from one address against one account. */
export interface BruteForce {
  kind: 'brute_force';
  day: number;
  start: number;
  tenant: number;
  user: number;
  ip: string;
  agent: string;
  attempts: number;
  intervalMs: number;
}

/** One address trying a leaked list of emails: mostly accounts that do not exist here. */
export interface CredentialStuffing {
  kind: 'credential_stuffing';
  day: number;
  start: number;
  tenant: number;
  ip: string;
  agent: string;
  attempts: number;
  intervalMs: number;
}

export type Attack = BruteForce | CredentialStuffing;

/** A stretch of server errors and slow responses (a bad deploy, a database failover). */
export interface ApiIncident {
  start: number;
  end: number;
  /** Index into ENDPOINTS, or -1 when every endpoint suffers. */
  endpoint: number;
  errorRate: number;
  slowdown: number;
}

/** After this many failures the account locks and further attempts fail as `account_locked`. */
export const LOCKOUT_AFTER = 10;

function attackerIp(r: Xoshiro128): string {
  return `${ATTACKER_OCTETS[r.int(ATTACKER_OCTETS.length)] ?? 45}.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}`;
}

/** Attacks, planned once for the whole window (deterministically), and emitted on their day. */
export function planAttacks(world: World): Attack[] {
  const { days, users, seed } = world.options;
  const r = new Xoshiro128(hash32(seed, SALT.incidents, 1));
  const attacks: Attack[] = [];
  const bruteForces = 2 + Math.floor(days / 10) + Math.floor(users / 50_000);
  const stuffings = 1 + Math.floor(days / 15) + Math.floor(users / 100_000);
  for (let i = 0; i < bruteForces + stuffings; i++) {
    const day = r.int(days);
    const tenant = pick(world.tenantBySize, r.next());
    const start = Math.floor((world.firstDay + day) * DAY_MS + r.next() * (DAY_MS - 3 * 3_600_000));
    const ip = attackerIp(r);
    const agent = ATTACKER_AGENTS[r.int(ATTACKER_AGENTS.length)] ?? 'curl/8.4.0';
    if (i < bruteForces) {
      const first = world.tenantUserStart[tenant] ?? 0;
      const size = (world.tenantUserStart[tenant + 1] ?? first + 1) - first;
      const user = first + r.int(size);
      const attempts = 40 + Math.floor(r.next() ** 2 * 360);
      attacks.push({
        kind: 'brute_force',
        day,
        start,
        tenant,
        user,
        ip,
        agent,
        attempts,
        intervalMs: 2_000 + r.int(6_000),
      });
    } else {
      const attempts = 150 + Math.floor(r.next() ** 2 * 1350);
      attacks.push({
        kind: 'credential_stuffing',
        day,
        start,
        tenant,
        ip,
        agent,
        attempts,
        intervalMs: 800 + r.int(4_000),
      });
    }
  }
  return attacks;
}

export function planApiIncidents(world: World, endpointCdf: Float64Array): ApiIncident[] {
  const r = new Xoshiro128(hash32(world.options.seed, SALT.incidents, 2));
  const span = world.windowEnd - world.windowStart;
  return Array.from({ length: 1 + Math.floor(world.options.days / 10) }, () => {
    const start = Math.floor(world.windowStart + r.next() * (span - 3_600_000));
    return {
      start,
      end: start + (10 + r.int(35)) * 60_000,
      endpoint: r.next() < 0.5 ? pick(endpointCdf, r.next()) : -1,
      errorRate: 0.25 + r.next() * 0.35,
      slowdown: 3 + r.next() * 5,
    };
  });
}
