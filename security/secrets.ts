import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Config } from '../config';

/**
 * Secrets of the platform. Production passes them in the environment (from Secret Manager); on PLATFORM=local a
 * missing secret is generated once into `config.secrets.dir` (mode 0600) so every process of the same data
 * directory (worker, API, CLI, the Airflow operator) shares it. Creating is race-safe: the first writer wins
 * (`wx`), everyone else reads what it wrote.
 */
export function localSecret(
  config: Config,
  spec: { envVar: string; value: string | undefined; file: string; create: () => string },
): string {
  if (spec.value) return spec.value;
  if (config.platform !== 'local') {
    throw new Error(`${spec.envVar} is required when PLATFORM=${config.platform} (generated files are for local use)`);
  }
  const file = path.join(config.secrets.dir, spec.file);
  fs.mkdirSync(config.secrets.dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${spec.create()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!text) throw new Error(`${file} is empty: delete it to generate a new secret, or set ${spec.envVar}`);
  return text;
}

/** The keyed-hash secret behind erasure workflow ids (GDPR_SUBJECT_KEY). */
export function gdprSubjectKey(config: Config): Buffer {
  const text = localSecret(config, {
    envVar: 'GDPR_SUBJECT_KEY',
    value: config.secrets.gdprSubjectKey,
    file: 'gdpr-subject.key',
    create: () => randomBytes(32).toString('base64'),
  });
  const key = Buffer.from(text, 'base64');
  if (key.length < 32) throw new Error('GDPR_SUBJECT_KEY must be base64 of at least 32 bytes');
  return key;
}

/**
 * The capability token of the Web UI's codec endpoint (`<API_PUBLIC_URL>/codec/ui/<token>`). The local dev server's UI
 * cannot send an API key to a codec endpoint (no SSO, so no access token to pass), so the token travels in the path
 * the UI server is configured with. It authorises payload encode/decode only, and is read by `analytics dev up` (the
 * UI's `--ui-codec-endpoint`) and the API. UI_CODEC_TOKEN in the environment wins; unset on PLATFORM=gcp disables it.
 */
export function uiCodecToken(config: Config): string | undefined {
  if (config.platform !== 'local' && !config.secrets.uiCodecToken) return undefined;
  const token = localSecret(config, {
    envVar: 'UI_CODEC_TOKEN',
    value: config.secrets.uiCodecToken,
    file: 'ui-codec.token',
    create: () => randomBytes(24).toString('hex'),
  });
  if (!/^[A-Za-z0-9_-]{32,128}$/.test(token))
    throw new Error('UI_CODEC_TOKEN must be 32-128 characters of [A-Za-z0-9_-]');
  return token;
}
