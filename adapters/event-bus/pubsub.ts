import { PubSub, type Topic } from '@google-cloud/pubsub';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../errors';
import type { EventBus, Probe, StreamBacklog } from '../ports';
import { checkStreamName, checkStreamPattern, minEntryId } from './stream-names';

/** gRPC status codes the probe tells apart (numbers, so no grpc import is needed). */
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;
const INVALID_ARGUMENT = 3;

export const pubSubEventBusOptionsSchema = z.object({
  projectId: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id'),
  /** Topic id within the project (Terraform creates it; the bus never does). */
  topic: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/, 'a Pub/Sub topic id: 3-255 characters, starting with a letter')
    .refine((t) => !t.startsWith('goog'), 'topic ids must not start with "goog"'),
  /**
   * Endpoint override: `http://host:port` talks plaintext without credentials (the emulator), `https://host:port` TLS
   * (a private endpoint). @default the real service
   */
  apiEndpoint: z.url({ protocol: /^https?$/ }).optional(),
  /** Bound of one probe call, retries included: a health check must answer, not hang on an unreachable endpoint. */
  probeTimeoutMs: z.number().int().min(100).default(10_000),
});
export type PubSubEventBusOptions = z.input<typeof pubSubEventBusOptionsSchema>;

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * EventBus over Google Cloud Pub/Sub (production; the local stand-in is Redis Streams). `ping()` proves the project
 * and topic are reachable with the worker's credentials by reading the topic's metadata, bounded in time.
 */
export class PubSubEventBus implements EventBus {
  readonly options: z.output<typeof pubSubEventBusOptionsSchema>;
  readonly pubsub: PubSub;
  readonly topic: Topic;

  constructor(options: PubSubEventBusOptions) {
    const parsed = pubSubEventBusOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new PlatformError(ErrorType.InvalidInput, `invalid Pub/Sub options: ${z.prettifyError(parsed.error)}`);
    }
    this.options = parsed.data;
    const endpoint = this.options.apiEndpoint ? new URL(this.options.apiEndpoint) : undefined;
    this.pubsub = new PubSub({
      projectId: this.options.projectId,
      ...(endpoint
        ? {
            apiEndpoint: `${endpoint.hostname}:${endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)}`,
            // Plaintext and no credentials only for http:// (the emulator); the library would guess from the host.
            emulatorMode: endpoint.protocol === 'http:',
            // An explicit universe spares google-auth a metadata-server probe (seconds, and a warning) per client.
            ...(endpoint.protocol === 'http:' ? { universeDomain: 'googleapis.com' } : {}),
          }
        : {}),
    });
    this.topic = this.pubsub.topic(this.options.topic);
  }

  /** Where the bus points, for logs and probes: `projects/<p>/topics/<t> @ <endpoint>`. */
  describe(): string {
    return `${this.topic.name} @ ${this.options.apiEndpoint ?? 'pubsub.googleapis.com'}`;
  }

  async ping(): Promise<Probe> {
    const started = Date.now();
    const { probeTimeoutMs } = this.options;
    try {
      // gax turns a per-call timeout into the total budget of its own UNAVAILABLE retries too.
      const [metadata] = await this.topic.getMetadata({ timeout: probeTimeoutMs });
      return { detail: `Pub/Sub topic ${metadata.name ?? this.topic.name} (${Date.now() - started} ms)` };
    } catch (error) {
      throw this.classify(error);
    }
  }

  /**
   * Nothing to plan: Pub/Sub keeps unacknowledged messages for each subscription's `messageRetentionDuration` (set in
   * infrastructure) and drops them itself; the platform has no stream to trim. Arguments are still checked, so a bad
   * policy fails the same way on both platforms.
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- async so a refused argument rejects, as on Redis
  async expiredEntries(pattern: string, before: Date): Promise<StreamBacklog[]> {
    checkStreamPattern(pattern);
    minEntryId(before);
    return [];
  }

  /** A no-op (see `expiredEntries`). */
  // eslint-disable-next-line @typescript-eslint/require-await -- async so a refused argument rejects, as on Redis
  async trimBefore(stream: string, before: Date): Promise<number> {
    checkStreamName(stream);
    minEntryId(before);
    return 0;
  }

  async close(): Promise<void> {
    await this.pubsub.close();
  }

  private classify(error: unknown): PlatformError {
    // gax appends every retried error to the message; the first one says it all.
    const message = (error instanceof Error ? error.message : String(error))
      .split(' : Previous errors')[0]!
      .slice(0, 400);
    const where = this.describe();
    switch (grpcCode(error)) {
      case NOT_FOUND:
        return new PlatformError(ErrorType.NotFound, `Pub/Sub topic ${where} does not exist (Terraform creates it)`, {
          cause: error,
        });
      case PERMISSION_DENIED:
      case UNAUTHENTICATED:
        return new PlatformError(ErrorType.PermissionDenied, `Pub/Sub refused access to ${where}: ${message}`, {
          cause: error,
        });
      case INVALID_ARGUMENT:
        return new PlatformError(ErrorType.InvalidInput, `Pub/Sub rejected ${where}: ${message}`, { cause: error });
      default:
        // UNAVAILABLE, DEADLINE_EXCEEDED and the like: the service or the network, worth another try later.
        return new PlatformError(ErrorType.TransientInfrastructure, `Pub/Sub unreachable at ${where}: ${message}`, {
          cause: error,
        });
    }
  }
}
