import type { IdentifierSearch } from '../../adapters/ports';

/** Words that make a column or JSON key a reference to a person (`owner_id`, `reviewer`, `target_user_id`). */
const PERSON_WORDS =
  'user|actor|owner|subject|member|person|principal|author|assignee|recipient|sender|requester|reviewer|creator';
/** Column names that name a person (the completeness scan's own guess, independent of the erasure rules). */
export const PERSON_COLUMN = `^[a-z0-9_]*(?:${PERSON_WORDS})(?:_?ids?|_?refs?)?$|_by$`;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\:-]/g, '\\$&');

/**
 * How the user's identifiers are recognised anywhere, independently of the erasure rules:
 * - the email: case-insensitive substring of any text;
 * - a distinctive id (≥ 12 characters, or ≥ 8 with a non-digit, e.g. a UUID): as a whole token (not inside a longer
 *   run of letters and digits) in any text or number;
 * - a short or numeric id (the User Module's ids are small integers, which occur inside dates, IPs and other ids): the
 *   whole value of a column named like a person reference (`*user*`, `owner_ref`, `created_by`, …), or the value of
 *   such a key in JSON or `key=value` text (`"reviewer_id": 22`).
 */
export interface IdentifierMatcher {
  /** What a LakeRewriter looks for in Parquet columns. */
  search: IdentifierSearch;
  /** Occurrences in a text. */
  countInText(text: string): number;
}

export function identifierMatcher(subject: { tenantId?: string; userId: string; email?: string }): IdentifierMatcher {
  const id = subject.userId;
  const distinctive = id.length >= 12 || (id.length >= 8 && /[^0-9]/.test(id));
  const lead = distinctive
    ? '(?:^|[^A-Za-z0-9])'
    : `["']?[a-z0-9_]*(?:(?:${PERSON_WORDS})(?:_?ids?|_?refs?)?|_by)["']?\\s*[:=]\\s*\\[?\\s*["']?`;
  const body = lead + escapeRegExp(id);
  const end = distinctive ? '[^A-Za-z0-9]|$' : '[^a-z0-9]|$';
  const idPattern = `${distinctive ? '' : '(?i)'}${body}(?:${end})`;
  // In JS the end boundary is a lookahead, so adjacent occurrences (`22, 22`) are each counted.
  const jsPattern = new RegExp(`${body}(?=${end})`, distinctive ? 'g' : 'gi');
  const email = subject.email?.toLowerCase();
  return {
    search: {
      userId: id,
      tenantId: subject.tenantId,
      email,
      distinctive,
      idPattern,
      personColumnPattern: PERSON_COLUMN,
    },
    countInText(text: string): number {
      let n = (text.match(jsPattern) ?? []).length;
      if (email) n += text.toLowerCase().split(email).length - 1;
      return n;
    },
  };
}
