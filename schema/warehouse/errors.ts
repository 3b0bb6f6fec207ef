/** Why a schema lookup or identifier was refused. */
export type SchemaErrorType = 'UnknownTable' | 'UnknownColumn' | 'InvalidIdentifier';

/**
 * A refused table, column or identifier. Always a programming or input error, never transient: activities map it
 * to `ApplicationFailure.create({ type: err.type, nonRetryable: err.nonRetryable })` so Temporal does not retry.
 */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  /** Retrying cannot make an unknown name known. */
  readonly nonRetryable = true;

  constructor(
    readonly type: SchemaErrorType,
    /** The refused value, verbatim. */
    readonly value: string,
    message: string,
    /** The table searched, for UnknownColumn. */
    readonly table?: string,
  ) {
    super(message);
  }
}
