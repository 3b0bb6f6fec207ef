import { ErrorType, PlatformError } from '../errors';

/**
 * Stream names and patterns shared by every EventBus. A pattern is a literal stream name or a prefix ending in `*`
 * (`events:*`): no other glob characters, so it means the same on Redis (`SCAN MATCH`) and can never widen by accident.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,255}$/;

export function checkStreamName(stream: string): string {
  if (!NAME.test(stream)) {
    throw new PlatformError(
      ErrorType.InvalidInput,
      `invalid stream name ${JSON.stringify(stream)}: letters, digits and : . _ - only`,
    );
  }
  return stream;
}

/** The dead-letter stream of `stream` (`<stream>:dlq`), both names checked: every EventBus keeps refusals there. */
export function deadLetterStream(stream: string): string {
  return checkStreamName(`${checkStreamName(stream)}:dlq`);
}

export function checkStreamPattern(pattern: string): string {
  const literal = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
  if (!NAME.test(literal)) {
    throw new PlatformError(
      ErrorType.InvalidInput,
      `invalid stream pattern ${JSON.stringify(pattern)}: a stream name, or a prefix of one followed by a single *`,
    );
  }
  return pattern;
}

/** Entry ids below this one are older than `before` (Redis stream ids are `<ms>-<seq>`). */
export function minEntryId(before: Date): string {
  const ms = before.getTime();
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new PlatformError(ErrorType.InvalidInput, `invalid stream retention bound ${String(before)}`);
  }
  return `${ms}-0`;
}

/**
 * Message attributes, the same rule on every bus: lower_snake_case names (on Redis they become entry fields beside
 * `data`, so never `data` itself), string values of at most 1 KiB.
 */
const ATTRIBUTE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_ATTRIBUTE_BYTES = 1024;

export function checkAttributes(attributes: Record<string, string> | undefined): [string, string][] {
  const entries = Object.entries(attributes ?? {});
  for (const [k, v] of entries) {
    if (!ATTRIBUTE.test(k) || k === 'data') {
      throw new PlatformError(ErrorType.InvalidInput, `invalid message attribute name ${JSON.stringify(k)}`);
    }
    if (typeof v !== 'string' || Buffer.byteLength(v) > MAX_ATTRIBUTE_BYTES) {
      throw new PlatformError(ErrorType.InvalidInput, `message attribute ${k} must be a string of at most 1 KiB`);
    }
  }
  return entries;
}
