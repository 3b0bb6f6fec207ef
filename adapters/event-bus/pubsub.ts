import { PubSub, v1, type Topic } from '@google-cloud/pubsub';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../errors';
import type {
  BusMessage,
  DeadLetter,
  DeadLetterInput,
  EventBus,
  EventSubscription,
  OutgoingMessage,
  Probe,
  StreamBacklog,
} from '../ports';
import { checkAttributes, checkStreamName, checkStreamPattern, deadLetterStream, minEntryId } from './stream-names';

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
  /**
   * Create a missing stream topic or subscription instead of failing with NotFound (the emulator and tests; in
   * production Terraform creates them and the workers' service account may not). @default false
   */
  createMissing: z.boolean().default(false),
});
export type PubSubEventBusOptions = z.input<typeof pubSubEventBusOptionsSchema>;

const DEADLINE_EXCEEDED = 4;
const ALREADY_EXISTS = 6;

/**
 * A stream's topic id: `<topic>.<stream>` with `:` as `.` (`hire10x-user-events.events.user-module.0`); its dead
 * letters go to the stream `<stream>:dlq`, i.e. topic `<topic>.<stream>.dlq`. One topic per stream, so a shard's
 * subscription needs no filter and its backlog is the subscription's own.
 */
export function pubsubTopicOf(baseTopic: string, stream: string): string {
  return `${baseTopic}.${checkStreamName(stream).replaceAll(':', '.')}`;
}
/** A consumer group's subscription on a stream topic. */
export const pubsubSubscriptionOf = (topicId: string, group: string) => `${topicId}--${checkStreamName(group)}`;

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

  private async ensureTopic(topicId: string): Promise<Topic> {
    const topic = this.pubsub.topic(topicId);
    const [exists] = await topic.exists();
    if (exists) return topic;
    if (!this.options.createMissing) {
      throw new PlatformError(ErrorType.NotFound, `Pub/Sub topic ${topicId} does not exist (Terraform creates it)`);
    }
    await topic.create().catch((err: unknown) => {
      if (grpcCode(err) !== ALREADY_EXISTS) throw err;
    });
    return topic;
  }

  private async ensureSubscription(topicId: string, subscriptionId: string): Promise<string> {
    const topic = await this.ensureTopic(topicId);
    const subscription = topic.subscription(subscriptionId);
    const [exists] = await subscription.exists();
    if (!exists) {
      if (!this.options.createMissing) {
        throw new PlatformError(
          ErrorType.NotFound,
          `Pub/Sub subscription ${subscriptionId} does not exist (Terraform creates it)`,
        );
      }
      await topic.createSubscription(subscriptionId, { ackDeadlineSeconds: 10 }).catch((err: unknown) => {
        if (grpcCode(err) !== ALREADY_EXISTS) throw err;
      });
    }
    return subscription.name;
  }

  async publish(stream: string, messages: readonly OutgoingMessage[]): Promise<string[]> {
    for (const m of messages) checkAttributes(m.attributes);
    return this.publishTo(stream, messages);
  }

  /** Publishes without the attribute-name rule (dead letters carry `attr.<name>` attributes). */
  private async publishTo(stream: string, messages: readonly OutgoingMessage[]): Promise<string[]> {
    const topicId = pubsubTopicOf(this.options.topic, stream);
    try {
      const topic = await this.ensureTopic(topicId);
      return await Promise.all(
        messages.map((m) => topic.publishMessage({ data: m.data, attributes: { ...m.attributes } })),
      );
    } catch (error) {
      throw error instanceof PlatformError ? error : this.classify(error);
    }
  }

  /**
   * Synchronous Pull (not the streaming pull the client library prefers): the consume loop asks for one batch at a
   * time and acknowledges it only after its commit, which streaming pull's flow control and lease management would
   * extend or redeliver behind the loop's back. Unacknowledged messages return after the ack deadline (10 s on
   * subscriptions this adapter creates), which is how a crashed consumer's batch comes back.
   */
  async subscribe(stream: string, group: string, consumer: string): Promise<EventSubscription> {
    checkStreamName(consumer);
    const topicId = pubsubTopicOf(this.options.topic, stream);
    let name: string;
    try {
      name = await this.ensureSubscription(topicId, pubsubSubscriptionOf(topicId, group));
    } catch (error) {
      throw error instanceof PlatformError ? error : this.classify(error);
    }
    const client = new v1.SubscriberClient(this.pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0]);
    const ackIds = new Map<string, string>();
    const classify = (error: unknown) => this.classify(error);
    return {
      async pull(max: number, waitMs: number): Promise<BusMessage[]> {
        const deadline = Date.now() + waitMs;
        for (;;) {
          let received;
          try {
            [received] = await client.pull(
              { subscription: name, maxMessages: max },
              { timeout: Math.max(1_000, deadline - Date.now()) },
            );
          } catch (error) {
            if (grpcCode(error) !== DEADLINE_EXCEEDED) throw classify(error);
            return [];
          }
          const out: BusMessage[] = [];
          for (const r of received.receivedMessages ?? []) {
            const m = r.message;
            if (!m?.messageId || !r.ackId) continue;
            ackIds.set(m.messageId, r.ackId);
            const seconds = Number(m.publishTime?.seconds ?? 0);
            out.push({
              id: m.messageId,
              data: Buffer.from(m.data ?? new Uint8Array()),
              attributes: { ...(m.attributes ?? {}) },
              publishedAt: new Date(seconds * 1000 + Math.floor((m.publishTime?.nanos ?? 0) / 1e6)),
              // Pub/Sub counts deliveries only under a dead-letter policy; without one, 1 (a redelivery looks new).
              deliveryAttempt: Math.max(1, r.deliveryAttempt ?? 0),
            });
          }
          if (out.length > 0 || Date.now() >= deadline) return out;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      async ack(ids: readonly string[]): Promise<void> {
        const known = ids.flatMap((id) => (ackIds.has(id) ? [ackIds.get(id)!] : []));
        for (const id of ids) ackIds.delete(id);
        for (let i = 0; i < known.length; i += 1000) {
          try {
            await client.acknowledge({ subscription: name, ackIds: known.slice(i, i + 1000) });
          } catch (error) {
            throw classify(error);
          }
        }
      },
      // Cloud Monitoring's num_undelivered_messages, not the data plane, knows the backlog.
      backlog: () => Promise.resolve(undefined),
      close: () => client.close(),
    };
  }

  async deadLetter(stream: string, letters: readonly DeadLetterInput[]): Promise<void> {
    const dlq = deadLetterStream(stream);
    if (letters.length === 0) return;
    const at = new Date().toISOString();
    // A subscription only receives what is published after it exists: the reader's comes first.
    const dlqTopic = pubsubTopicOf(this.options.topic, dlq);
    try {
      await this.ensureSubscription(dlqTopic, pubsubSubscriptionOf(dlqTopic, 'reader'));
    } catch (error) {
      throw error instanceof PlatformError ? error : this.classify(error);
    }
    await this.publishTo(
      dlq,
      letters.map((l) => ({
        data: l.data,
        attributes: {
          ...Object.fromEntries(Object.entries(l.attributes ?? {}).map(([k, v]) => [`attr.${k}`, v])),
          ...(l.attributes?.user_id ? { user_id: l.attributes.user_id } : {}),
          reason: l.reason,
          detail: l.detail.slice(0, 1024),
          source_stream: stream,
          source_id: l.sourceId,
          dead_lettered_at: at,
        },
      })),
    );
  }

  /** Pulls the dead-letter subscription without acknowledging (then releases the leases at once), oldest first. */
  async listDeadLetters(stream: string, options: { since?: Date; limit: number }): Promise<DeadLetter[]> {
    const found = await this.readDeadLetters(stream, options.limit, () => false);
    return found
      .filter((d) => !options.since || d.deadLetteredAt >= options.since)
      .sort((a, b) => a.deadLetteredAt.getTime() - b.deadLetteredAt.getTime() || a.id.localeCompare(b.id))
      .slice(0, options.limit);
  }

  async removeDeadLetters(stream: string, ids: readonly string[]): Promise<number> {
    const wanted = new Set(ids);
    const removed = await this.readDeadLetters(stream, 100_000, (d) => wanted.has(d.id));
    return removed.filter((d) => wanted.has(d.id)).length;
  }

  /** Reads up to `limit` dead letters; acknowledges those `remove` picks, releases the others. */
  private async readDeadLetters(
    stream: string,
    limit: number,
    remove: (d: DeadLetter) => boolean,
  ): Promise<DeadLetter[]> {
    const dlq = deadLetterStream(stream);
    const sub = await this.subscribe(dlq, 'reader', 'reader');
    const client = new v1.SubscriberClient(this.pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0]);
    const topicId = pubsubTopicOf(this.options.topic, dlq);
    const subscription = this.pubsub.subscription(pubsubSubscriptionOf(topicId, 'reader')).name;
    const out: DeadLetter[] = [];
    const seen = new Set<string>();
    try {
      while (out.length < limit) {
        const [received] = await client
          .pull({ subscription, maxMessages: Math.min(1000, limit - out.length) }, { timeout: 3_000 })
          .catch((error: unknown) => {
            if (grpcCode(error) === DEADLINE_EXCEEDED) return [{ receivedMessages: [] }];
            throw this.classify(error);
          });
        const batch = received.receivedMessages ?? [];
        const ackIds: string[] = [];
        const release: string[] = [];
        let fresh = 0;
        for (const r of batch) {
          const m = r.message;
          if (!m?.messageId || !r.ackId) continue;
          // A released message comes straight back: one read sees each message once.
          if (seen.has(m.messageId)) {
            release.push(r.ackId);
            continue;
          }
          seen.add(m.messageId);
          fresh++;
          const a = m.attributes ?? {};
          const attributes: Record<string, string> = {};
          for (const [k, v] of Object.entries(a)) if (k.startsWith('attr.')) attributes[k.slice(5)] = v;
          const d: DeadLetter = {
            id: m.messageId,
            data: Buffer.from(m.data ?? new Uint8Array()),
            attributes,
            reason: a.reason ?? '',
            detail: a.detail ?? '',
            sourceId: a.source_id ?? '',
            sourceStream: a.source_stream ?? stream,
            deadLetteredAt: new Date(a.dead_lettered_at ?? 0),
          };
          out.push(d);
          (remove(d) ? ackIds : release).push(r.ackId);
        }
        if (ackIds.length > 0) await client.acknowledge({ subscription, ackIds });
        if (release.length > 0)
          await client.modifyAckDeadline({ subscription, ackIds: release, ackDeadlineSeconds: 0 });
        if (fresh === 0) break;
      }
      return out;
    } finally {
      await client.close();
      await sub.close();
    }
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
