/**
 * GDPR erasure rules as data: for every source and warehouse table, which columns name a person and what erasure
 * does to a row naming the erased person there. One plan, generated into every store's statements
 * (`source.ts`: PostgreSQL; `statements.ts`: DuckDB/BigQuery warehouse and the lake's row rules).
 */

/** What erasure does to a row whose person-reference column names the erased person. */
export type ReferenceAction =
  /** The row goes (it only exists because of the person, e.g. a legal hold). */
  | 'delete_row'
  /** The reference becomes NULL; the row is someone else's (a collaboration that targets the person). */
  | 'clear'
  /** The reference becomes the person's pseudonym; the row is the person's own and keeps being counted. */
  | 'tokenise';

/** A value the person's identity row takes when it becomes a tombstone. */
export type TombstoneValue = { literal: string } | 'erased_at';

export interface TableErasure {
  store: 'source' | 'warehouse';
  table: string;
  /** Every column that names a person, and what erasure does to a row naming the erased person there. */
  references: Readonly<Record<string, ReferenceAction>>;
  /**
   * The column naming the row's owner (a `tokenise` reference). Rows the person owns lose their `anonymise` columns;
   * rows that merely mention them (another reference) do not: those columns describe someone else.
   */
  owner?: string;
  /** Personal or quasi-identifying columns set to NULL on the person's own rows and on rows found by their email. */
  anonymise: readonly string[];
  /** Columns holding an email address, matched case-insensitively within the person's tenant. */
  emails: readonly string[];
  /** The tenant column that scopes email matching (emails are unique per tenant, not globally). */
  tenantColumn?: string;
  /**
   * The person's identity row (users, dim_users): kept as a tombstone under the pseudonym, with these columns set
   * (the personal ones are in `anonymise`), so a re-extract finds exactly what the rewritten stores hold.
   */
  tombstone?: Readonly<Record<string, TombstoneValue>>;
  /** Why this table has the rules it has (shown by the search test when a column is unexplained). */
  note?: string;
}

/** Columns that look like person references but are not, with the reason (shredder's ignore list). */
export interface NotAPersonReference {
  store: 'source' | 'warehouse';
  table: string;
  column: string;
  reason: string;
}

/** The person being erased, as every generator's parameters see it. */
export interface ErasureSubject {
  tenantId: string;
  userId: string;
  /** Matched case-insensitively within the tenant; omit when the person has none on record. */
  email?: string;
  /** The pseudonym (decimal string of a negative bigint) written into `tokenise` references. */
  token: string;
  /** When the erasure was requested (ISO 8601); the tombstone's `deleted_at`/`updated_at`. */
  erasedAt: string;
}
