/**
 * The pseudonym that replaces an erased person's user id everywhere: a negative bigint derived from the saga's random
 * subject token (`anon_<32 hex>`, from `uuid4()` in the workflow), `-(first 63 bits) - 1`. Real ids are positive, so
 * it never collides with one; it is random, so nobody can recompute it from the user id. Pure and deterministic: the
 * workflow derives it on replay exactly as on the first run.
 */
export function pseudonymOf(subjectToken: string): string {
  const hex = /^anon_([0-9a-f]{16})[0-9a-f]{16}$/.exec(subjectToken)?.[1];
  if (!hex) throw new Error('subject token must be anon_ followed by 32 lowercase hex digits');
  const first63 = BigInt(`0x${hex}`) >> 1n;
  return (-first63 - 1n).toString();
}

/** A pseudonym as `pseudonymOf` writes it: a negative bigint in decimal. */
export const PSEUDONYM = /^-[1-9]\d{0,18}$/;
