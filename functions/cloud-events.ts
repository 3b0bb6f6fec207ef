import { z } from 'zod';

/**
 * The `data` of the CloudEvents Eventarc delivers to the functions, validated at the door (only the fields used).
 * Pub/Sub: `google.cloud.pubsub.topic.v1.messagePublished`; Cloud Storage: `google.cloud.storage.object.v1.finalized`.
 */
export const pubSubMessageEventData = z.object({
  message: z.object({
    /** base64 */
    data: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().optional(),
    publishTime: z.string().optional(),
  }),
  subscription: z.string().optional(),
});

export const storageObjectEventData = z.object({
  bucket: z.string().min(1),
  name: z.string().min(1),
  /** int64 as a decimal string in the JSON API. */
  generation: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String),
  size: z
    .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
    .transform(Number)
    .optional(),
  contentType: z.string().optional(),
});
export type StorageObjectEventData = z.output<typeof storageObjectEventData>;
