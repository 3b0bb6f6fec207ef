import { randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ApplicationFailure,
  defaultPayloadConverter,
  type FailureConverter,
  type Payload,
  ValueError,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parseCodecKeys,
  payloadCodecFromConfig,
} from '../../security/codec';
import { CodecHttpError, handleCodecRequest } from '../../security/codec-http';
import { dataConverterFromConfig, FAILURE_CONVERTER_PATH } from '../../security/data-converter';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const MARKER = 'jane.doe+marker@example.com';
const utf8 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');
const input = (): Payload[] => [
  defaultPayloadConverter.toPayload({ email: MARKER, n: 1 }),
  defaultPayloadConverter.toPayload(Uint8Array.from([0, 1, 2, 255])),
  defaultPayloadConverter.toPayload(undefined),
  defaultPayloadConverter.toPayload(null),
  defaultPayloadConverter.toPayload(''),
];
const plain = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, utf8(v)])),
  data: Buffer.from(p.data ?? []).toString('hex'),
});

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-test-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('AesGcmPayloadCodec', () => {
  const codec = new AesGcmPayloadCodec(parseCodecKeys(`k1:${k1}`));

  it('round-trips every kind of payload and stores only ciphertext under binary/encrypted', async () => {
    const encoded = await codec.encode(input());
    for (const p of encoded) {
      expect(utf8(p.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(utf8(p.metadata?.[KEY_ID_METADATA])).toBe('k1');
      expect(Object.keys(p.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    }
    expect(Buffer.from(encoded[0]!.data!).includes(MARKER)).toBe(false);
    expect(Buffer.from(encoded[0]!.data!).includes('json/plain')).toBe(false);
    // nonce(12) ‖ ciphertext of the serialised Payload ‖ tag(16)
    const serialised = temporal.api.common.v1.Payload.encode(input()[0]!).finish();
    expect(encoded[0]!.data!.length).toBe(12 + serialised.length + 16);
    const decoded = await codec.decode(encoded);
    expect(decoded.map(plain)).toEqual(input().map(plain));
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual({ email: MARKER, n: 1 });
  });

  it('uses a fresh nonce for every payload', async () => {
    const [a, b] = await codec.encode([input()[0]!, input()[0]!]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!.subarray(0, 12)).equals(Buffer.from(b!.data!.subarray(0, 12)))).toBe(false);
  });

  it('passes through payloads that are not binary/encrypted (histories recorded in clear still replay)', async () => {
    const clear = input();
    const out = await codec.decode(clear);
    out.forEach((p, i) => expect(p).toBe(clear[i]));
  });

  it.each([
    ['the nonce', 0],
    ['the ciphertext', 20],
    ['the tag', -1],
  ])('rejects a payload whose %s was tampered with', async (_what, at) => {
    const [encoded] = await codec.encode([input()[0]!]);
    const data = Buffer.from(encoded!.data!);
    const i = at < 0 ? data.length + at : at;
    data[i] = data[i]! ^ 0x01;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(
      /cannot decrypt payload with key id k1: authentication failed/,
    );
  });

  it('rejects a payload relabelled with another configured key id, and a truncated one', async () => {
    const both = new AesGcmPayloadCodec(parseCodecKeys(`k1:${k1},k2:${k2}`));
    const [encoded] = await both.encode([input()[0]!]);
    const relabelled = { ...encoded, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(both.decode([relabelled])).rejects.toThrow(/key id k2: authentication failed/);
    await expect(both.decode([{ ...encoded, data: encoded!.data!.subarray(0, 20) }])).rejects.toThrow(/too short/);
  });

  it('names an unknown key id (never key material), and requires the key id metadata', async () => {
    const [encoded] = await new AesGcmPayloadCodec(parseCodecKeys(`old-key:${k2}`)).encode([input()[0]!]);
    const err = await codec.decode([encoded!]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(ValueError);
    expect(err?.message).toMatch(/key id "old-key", which is not among the configured keys \(k1\)/);
    expect(err?.message).not.toContain(k1);
    expect(err?.message).not.toContain(k2);
    const noId = { ...encoded, metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) } };
    await expect(codec.decode([noId])).rejects.toThrow(/no encryption-key-id metadata/);
  });

  it('rotates: the first key encrypts, every configured key decrypts', async () => {
    const before = new AesGcmPayloadCodec(parseCodecKeys(`k1:${k1}`));
    const after = new AesGcmPayloadCodec(parseCodecKeys(`k2:${k2},k1:${k1}`));
    expect(after.encryptionKeyId).toBe('k2');
    expect(after.keyIds).toEqual(['k2', 'k1']);
    const old = await before.encode(input());
    expect((await after.decode(old)).map(plain)).toEqual(input().map(plain));
    const fresh = await after.encode(input());
    expect(utf8(fresh[0]!.metadata?.[KEY_ID_METADATA])).toBe('k2');
    await expect(before.decode(fresh)).rejects.toThrow(/key id "k2"/);
  });

  it("decodes the format of Temporal's encryption sample (WebCrypto AES-GCM, iv ‖ ciphertext ‖ tag)", async () => {
    const raw = Buffer.from(k1, 'base64');
    const key = await webcrypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const original = input()[0]!;
    const sealed = await webcrypto.subtle.encrypt(
      { name: 'AES-GCM', iv },
      key,
      temporal.api.common.v1.Payload.encode(original).finish(),
    );
    const payload: Payload = {
      metadata: { encoding: Buffer.from('binary/encrypted'), 'encryption-key-id': Buffer.from('k1') },
      data: Buffer.concat([iv, Buffer.from(sealed)]),
    };
    expect((await codec.decode([payload])).map(plain)).toEqual([plain(original)]);
  });
});

describe('parseCodecKeys', () => {
  it('accepts several keys separated by commas or newlines', () => {
    expect(parseCodecKeys(`a:${k1},b.2_x-y:${k2}`).map((k) => k.id)).toEqual(['a', 'b.2_x-y']);
    expect(parseCodecKeys(` a:${k1} ,\n b:${k2}\n`).map((k) => k.id)).toEqual(['a', 'b']);
  });

  it.each([
    [
      'a key of the wrong length',
      `k1:${randomBytes(16).toString('base64')}`,
      /entry 1: key k1: must be 32 bytes \(AES-256\), got 16/,
    ],
    ['a duplicate id', `k1:${k1},k1:${k2}`, /duplicate key id k1/],
    ['a space in the id', `k 1:${k1}`, /entry 1: expected keyId:base64Key/],
    ['bad id characters', `k/1:${k1}`, /entry 1: key id "k\/1" must be 1-64 characters/],
    ['an empty id', `:${k1}`, /entry 1: key id "" must be/],
    ['no colon', k1, /entry 1: expected keyId:base64Key/],
    ['invalid base64', `k1:${k1.slice(0, 20)}!!${k1.slice(22)}`, /entry 1: key k1: the key is not valid base64/],
    ['nothing', ' , ', /no keys/],
  ])('rejects %s with a clear message that never shows key material', (_what, text, message) => {
    let error: Error | undefined;
    try {
      parseCodecKeys(text);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(/^PAYLOAD_CODEC_KEYS is invalid: /);
    expect(error?.message).toMatch(message);
    for (const material of [k1, k2, k1.slice(0, 20)]) expect(error?.message).not.toContain(material);
  });

  it('points at the second entry when the first is fine', () => {
    expect(() => parseCodecKeys(`k1:${k1},k2:AAAA`)).toThrow(/entry 2: key k2: must be 32 bytes/);
  });
});

describe('payloadCodecFromConfig', () => {
  it('on PLATFORM=local creates one key file (0600, id k<yyyymmdd>) that every later process reads', async () => {
    const dataDir = tmpDir();
    const config = parseConfig({ PLATFORM: 'local', ANALYTICS_DATA_DIR: dataDir });
    const first = payloadCodecFromConfig(config);
    const file = path.join(dataDir, 'secrets', 'payload-codec.keys');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    expect(fs.readFileSync(file, 'utf8')).toMatch(new RegExp(`^k(${today}|\\d{8}):[A-Za-z0-9+/]{43}=\\n$`));
    expect(first.encryptionKeyId).toMatch(/^k\d{8}$/);
    const second = payloadCodecFromConfig(config);
    expect(second.encryptionKeyId).toBe(first.encryptionKeyId);
    expect((await second.decode(await first.encode(input()))).map(plain)).toEqual(input().map(plain));
  });

  it('prefers PAYLOAD_CODEC_KEYS, honours SECRETS_DIR, and requires keys on PLATFORM=gcp', () => {
    const dataDir = tmpDir();
    const fromEnv = payloadCodecFromConfig(
      parseConfig({ PLATFORM: 'local', ANALYTICS_DATA_DIR: dataDir, PAYLOAD_CODEC_KEYS: `k9:${k1}` }),
    );
    expect(fromEnv.encryptionKeyId).toBe('k9');
    expect(fs.existsSync(path.join(dataDir, 'secrets'))).toBe(false);
    const secretsDir = path.join(tmpDir(), 'elsewhere');
    payloadCodecFromConfig(parseConfig({ PLATFORM: 'local', ANALYTICS_DATA_DIR: dataDir, SECRETS_DIR: secretsDir }));
    expect(fs.existsSync(path.join(secretsDir, 'payload-codec.keys'))).toBe(true);
    const gcp = parseConfig({ PLATFORM: 'gcp', GCP_PROJECT_ID: 'p', ANALYTICS_DATA_DIR: dataDir });
    expect(() => payloadCodecFromConfig(gcp)).toThrow(/PAYLOAD_CODEC_KEYS is required when PLATFORM=gcp/);
  });

  it('names the key file when it holds a bad key', () => {
    const dataDir = tmpDir();
    fs.mkdirSync(path.join(dataDir, 'secrets'));
    fs.writeFileSync(path.join(dataDir, 'secrets', 'payload-codec.keys'), 'k1:AAAA\n');
    expect(() => payloadCodecFromConfig(parseConfig({ ANALYTICS_DATA_DIR: dataDir }))).toThrow(
      `${path.join(dataDir, 'secrets', 'payload-codec.keys')} is invalid: entry 1: key k1: must be 32 bytes`,
    );
  });
});

describe('dataConverterFromConfig', () => {
  it('pairs the codec with a failure converter that moves message and stack trace into an encoded payload', async () => {
    const converter = dataConverterFromConfig(
      parseConfig({ ANALYTICS_DATA_DIR: tmpDir(), PAYLOAD_CODEC_KEYS: `k1:${k1}` }),
    );
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { failureConverter } = require(FAILURE_CONVERTER_PATH) as { failureConverter: FailureConverter };
    const failure = failureConverter.errorToFailure(
      ApplicationFailure.create({ message: `no user ${MARKER}` }),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const [sealed] = await converter.payloadCodecs![0]!.encode([failure.encodedAttributes!]);
    expect(Buffer.from(sealed!.data!).includes(MARKER)).toBe(false);
    const [opened] = await converter.payloadCodecs![0]!.decode([sealed!]);
    const back = failureConverter.failureToError({ ...failure, encodedAttributes: opened }, defaultPayloadConverter);
    expect(back.message).toBe(`no user ${MARKER}`);
  });
});

describe('handleCodecRequest (the codec-server JSON protocol)', () => {
  const codec = new AesGcmPayloadCodec(parseCodecKeys(`k1:${k1}`));
  const wire = (p: Payload) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  });

  it('encodes and decodes base64 payloads as the Web UI sends them', async () => {
    const body = { payloads: input().map(wire) };
    const encoded = await handleCodecRequest(codec, 'encode', JSON.parse(JSON.stringify(body)));
    expect(encoded.payloads).toHaveLength(body.payloads.length);
    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const decoded = await handleCodecRequest(codec, 'decode', JSON.parse(JSON.stringify(encoded)));
    expect(decoded).toEqual(body);
    // A payload in clear (e.g. a search attribute the UI asks about) comes back unchanged.
    expect(await handleCodecRequest(codec, 'decode', body)).toEqual(body);
    expect(await handleCodecRequest(codec, 'decode', { payloads: [] })).toEqual({ payloads: [] });
  });

  it('answers 400 naming the field for a malformed body, 422 for a payload it cannot decrypt', async () => {
    for (const bad of [
      undefined,
      {},
      { payloads: [{ data: 'not base64!' }] },
      { payloads: [{ metadata: { a: 1 } }] },
    ]) {
      const err = await handleCodecRequest(codec, 'decode', bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodecHttpError);
      expect((err as CodecHttpError).status).toBe(400);
      expect((err as CodecHttpError).message).toMatch(/^invalid codec request: (payloads|\(body\))/);
    }
    const [sealed] = await new AesGcmPayloadCodec(parseCodecKeys(`other:${k2}`)).encode([input()[0]!]);
    const err = await handleCodecRequest(codec, 'decode', { payloads: [wire(sealed!)] }).catch((e: unknown) => e);
    expect((err as CodecHttpError).status).toBe(422);
    expect((err as CodecHttpError).message).toMatch(/cannot decode payloads: .*key id "other"/);
  });
});
