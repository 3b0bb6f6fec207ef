import { CALLING_CODES, CITIES, COMPANY_PREFIXES, COMPANY_SUFFIXES, NAMES, ROLES } from './catalog';
import { hash32, Xoshiro128 } from './prng';
import { SALT, type World } from './world';

const rng = new Xoshiro128(0);
const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

export function tenantName(world: World, t: number): { name: string; domain: string } {
  const h = hash32(world.options.seed, SALT.tenant, t, 0x7e);
  const prefix = at(COMPANY_PREFIXES, h & 0xffff);
  const suffix = at(COMPANY_SUFFIXES, h >>> 16);
  // The id keeps domains (and so emails) unique; .example is reserved, so no real mailbox is ever named.
  return { name: `${prefix} ${suffix}`, domain: `${prefix}-${suffix}-${t + 1}.example`.toLowerCase() };
}

export interface Person {
  fullName: string;
  email: string;
  phone: string | null;
  jobTitle: string;
}

/** A user's personal data, derived again from the seed whenever needed rather than stored. */
export function person(world: World, u: number, domain?: string): Person {
  rng.reseed(hash32(world.options.seed, SALT.userText, u));
  const city = CITIES[world.userCity[u] ?? 0];
  const country = city?.country ?? 'IN';
  const pool = NAMES[country] ?? NAMES.US ?? { first: ['Alex'], last: ['Doe'] };
  const first = at(pool.first, rng.int(pool.first.length));
  const last = at(pool.last, rng.int(pool.last.length));
  const t = world.userTenant[u] ?? 0;
  const local = u - (world.tenantUserStart[t] ?? 0);
  const handle = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
  const mailDomain = domain ?? tenantName(world, t).domain;
  let digits = '';
  for (let i = 0; i < 10; i++) digits += String(i === 0 ? 6 + rng.int(4) : rng.int(10));
  const role = ROLES[world.userRoles[u] ?? 0];
  const phone = rng.next() < 0.8 ? `+${CALLING_CODES[country] ?? '1'} ${digits}` : null;
  return {
    fullName: `${first} ${last}`,
    // The tenant-local index keeps emails unique within a tenant, as the schema requires.
    email: `${handle}${local === 0 ? '' : local}@${mailDomain}`,
    phone,
    jobTitle: at(role?.titles ?? ['Staff'], rng.int(role?.titles.length ?? 1)),
  };
}

/** An address that belongs to nobody: leaked-list entries and mistyped logins. */
export function strangerEmail(r: Xoshiro128, domain: string): string {
  const pools = Object.values(NAMES);
  const pool = at(pools, r.int(pools.length));
  const first = at(pool.first, r.int(pool.first.length));
  const last = at(pool.last, r.int(pool.last.length));
  return `${first}${r.next() < 0.5 ? '.' : '_'}${last}${r.int(1000)}@${domain}`
    .toLowerCase()
    .replace(/[^a-z0-9._@-]/g, '');
}
