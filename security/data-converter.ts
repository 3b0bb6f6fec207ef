import path from 'node:path';
import { type DataConverter } from '@temporalio/common';
import { type Config } from '../config';
import { payloadCodecFromConfig } from './codec';

/**
 * The failure converter module (`failureConverter` export: DefaultFailureConverter with `encodeCommonAttributes`).
 * SDK 1.24 takes failure converters only by path, because the workflow sandbox loads its own copy from the bundle:
 * workers/bundle.ts bundles the same file.
 */
export const FAILURE_CONVERTER_PATH = path.join(__dirname, 'failure-converter.js');

/**
 * The data converter of every Temporal client and worker of the project: JSON payloads, encrypted by the
 * AES-256-GCM codec (keys from PAYLOAD_CODEC_KEYS or the local key file), and failures whose message and stack trace
 * travel as an encoded payload, so the codec encrypts them too. Static summaries and details, current details and
 * activity summaries are payloads as well (user metadata), so they are encrypted like inputs and the Web UI shows
 * them through the codec endpoint. Only workflow ids, search attributes and task queue names stay in clear:
 * they must never hold personal data.
 */
export function dataConverterFromConfig(config: Config): DataConverter {
  return { payloadCodecs: [payloadCodecFromConfig(config)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
