import { type Payload, type PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

/**
 * The JSON body of Temporal's remote codec protocol (what the Web UI and `temporal --codec-endpoint` POST to
 * `<endpoint>/encode` and `<endpoint>/decode`, and what they expect back): payloads with base64 metadata values and
 * base64 data. The UI also sends an `X-Namespace` header; one codec serves every namespace here.
 */
const base64 = z
  .string()
  .max(4 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

export const codecHttpPayloadSchema = z.object({
  metadata: z.record(z.string().max(256), base64).nullish(),
  data: base64.nullish(),
});

/** At most 1000 payloads per call: the UI sends one history page's payloads at a time. */
export const codecHttpBodySchema = z.object({ payloads: z.array(codecHttpPayloadSchema).max(1000) });

export type CodecHttpBody = z.infer<typeof codecHttpBodySchema>;

/** Why a codec call was refused: `status` is the HTTP status to answer with, `message` is safe to return. */
export class CodecHttpError extends Error {
  constructor(
    readonly status: 400 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'CodecHttpError';
  }
}

function toPayload(p: z.infer<typeof codecHttpPayloadSchema>): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function fromPayload(p: Payload): { metadata: Record<string, string>; data: string } {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) {
    if (value) metadata[key] = Buffer.from(value).toString('base64');
  }
  return { metadata, data: Buffer.from(p.data ?? []).toString('base64') };
}

/**
 * One codec-server call: validates `body`, runs `codec.encode` or `codec.decode`, and returns the response body.
 * Throws CodecHttpError(400) for a malformed body (message lists the fields) and CodecHttpError(422) when a payload
 * cannot be decoded (unknown key id, tampered data); its message names the key id, never key material or data.
 */
export async function handleCodecRequest(
  codec: PayloadCodec,
  operation: 'encode' | 'decode',
  body: unknown,
): Promise<{ payloads: { metadata: Record<string, string>; data: string }[] }> {
  const parsed = codecHttpBodySchema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new CodecHttpError(400, `invalid codec request: ${fields.join('; ')}`);
  }
  const payloads = parsed.data.payloads.map(toPayload);
  let result: Payload[];
  try {
    result = operation === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
  } catch (err) {
    throw new CodecHttpError(422, `cannot ${operation} payloads: ${(err as Error).message}`);
  }
  return { payloads: result.map(fromPayload) };
}
