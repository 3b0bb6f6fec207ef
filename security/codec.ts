import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import path from 'node:path';
import { type Payload, type PayloadCodec, ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { type Config } from '../config';
import { localSecret } from './secrets';

/** `encoding` metadata of an encrypted payload (the value Temporal's encryption samples use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, so keys can rotate. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** The local key file under `config.secrets.dir` (PLATFORM=local, PAYLOAD_CODEC_KEYS unset). */
export const LOCAL_KEY_FILE = 'payload-codec.keys';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** One AES-256 key and the id written into every payload it encrypts. */
export interface CodecKey {
  id: string;
  /** A KeyObject, so logging or inspecting it never prints the key. */
  key: KeyObject;
}

/**
 * `keyId:base64(32 bytes)` entries separated by commas (newlines and spaces around them are ignored). Error
 * messages name the entry and its key id, never the key material.
 */
const codecKeysSchema = z
  .string()
  .transform((text) => text.split(/[\s,]+/).filter(Boolean))
  .pipe(
    z
      .array(
        z.string().transform((entry, ctx) => {
          const colon = entry.indexOf(':');
          const id = colon < 0 ? '' : entry.slice(0, colon);
          const material = colon < 0 ? '' : entry.slice(colon + 1);
          if (colon < 0) {
            ctx.addIssue({ code: 'custom', message: 'expected keyId:base64Key' });
            return z.NEVER;
          }
          if (!KEY_ID.test(id)) {
            ctx.addIssue({
              code: 'custom',
              message: `key id ${JSON.stringify(id.slice(0, 64))} must be 1-64 characters of A-Z a-z 0-9 . _ -`,
            });
            return z.NEVER;
          }
          const bytes = BASE64.test(material) ? Buffer.from(material, 'base64') : undefined;
          if (!bytes || bytes.toString('base64').replace(/=+$/, '') !== material.replace(/=+$/, '')) {
            ctx.addIssue({ code: 'custom', message: `key ${id}: the key is not valid base64` });
            return z.NEVER;
          }
          if (bytes.length !== KEY_BYTES) {
            ctx.addIssue({
              code: 'custom',
              message: `key ${id}: must be ${KEY_BYTES} bytes (AES-256), got ${bytes.length}`,
            });
            return z.NEVER;
          }
          return { id, key: createSecretKey(bytes) } satisfies CodecKey;
        }),
      )
      .min(1, 'no keys: expected keyId:base64Key[,keyId:base64Key…]')
      .superRefine((keys, ctx) => {
        const seen = new Set<string>();
        for (const { id } of keys) {
          if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `duplicate key id ${id}` });
          seen.add(id);
        }
      }),
  );

/**
 * Parses PAYLOAD_CODEC_KEYS: `keyId:base64(32 bytes)[,keyId:base64…]`. The first key encrypts; every key decrypts.
 * Throws an Error whose message lists each problem without ever echoing key material.
 */
export function parseCodecKeys(text: string, source = 'PAYLOAD_CODEC_KEYS'): CodecKey[] {
  const result = codecKeysSchema.safeParse(text);
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => (i.path.length ? `entry ${Number(i.path[0]) + 1}: ` : '') + i.message,
    );
    throw new Error(`${source} is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}

/** A fresh key in the PAYLOAD_CODEC_KEYS format, with an id like `k20260527` (its creation day, UTC). */
export function generateCodecKeyEntry(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `k${day}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/**
 * AES-256-GCM PayloadCodec, wire-compatible with Temporal's encryption samples and with the Python codec in
 * dags/hire10x_temporal/codec.py: the whole original Payload, protobuf-serialised, is the plaintext; the stored
 * payload is `{ metadata: { encoding: "binary/encrypted", "encryption-key-id": <id> }, data: nonce(12) ‖
 * ciphertext ‖ tag(16) }`. Decoding passes through any payload that is not `binary/encrypted`, so histories
 * recorded before encryption still replay.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, KeyObject>;
  private readonly current: CodecKey;

  /** @param keys the first encrypts, all decrypt (at least one, ids unique) */
  constructor(keys: readonly CodecKey[]) {
    const [first] = keys;
    if (!first) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.current = first;
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    if (this.keys.size !== keys.length) throw new Error('AesGcmPayloadCodec: key ids must be unique');
  }

  /** Id of the key new payloads are encrypted with. */
  get encryptionKeyId(): string {
    return this.current.id;
  }

  /** Every key id this codec can decrypt. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((p) => this.encrypt(p)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((p) => this.decrypt(p)));
  }

  private encrypt(payload: Payload): Payload {
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, nonce);
    const data = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(this.current.id),
      },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new ValueError(`encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new ValueError(
        `payload was encrypted with key id ${JSON.stringify(keyId)}, which is not among the configured keys ` +
          `(${this.keyIds.join(', ')}): add it to PAYLOAD_CODEC_KEYS (after the current key) to read it`,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new ValueError(`encrypted payload (key id ${keyId}) is too short: ${data.length} bytes`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new ValueError(
        `cannot decrypt payload with key id ${keyId}: authentication failed (tampered data, or another key under the same id)`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}

/** Runs synchronous crypto work as a promise (a throw becomes a rejection). */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * The codec of this deployment: PAYLOAD_CODEC_KEYS, or on PLATFORM=local the key file
 * `<SECRETS_DIR>/payload-codec.keys`, created once with one random key (shared by every local process: worker,
 * CLI, API, the Airflow operator). Required on PLATFORM=gcp.
 */
export function payloadCodecFromConfig(config: Config): AesGcmPayloadCodec {
  const fromEnv = Boolean(config.secrets.payloadCodecKeys);
  const keysText = localSecret(config, {
    envVar: 'PAYLOAD_CODEC_KEYS',
    value: config.secrets.payloadCodecKeys,
    file: LOCAL_KEY_FILE,
    create: () => generateCodecKeyEntry(),
  });
  const source = fromEnv ? 'PAYLOAD_CODEC_KEYS' : path.join(config.secrets.dir, LOCAL_KEY_FILE);
  return new AesGcmPayloadCodec(parseCodecKeys(keysText, source));
}
