import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../security/data-converter';

export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows/index.ts');

/**
 * Bundles workflows/ with the SDK's webpack setup and writes it to `outFile` (default: a temp file).
 * Production images ship the written bundle and point WORKFLOW_BUNDLE at it; development bundles at start.
 * The bundle carries the project's failure converter (failures thrown in workflow code are encoded, then encrypted).
 */
export async function writeWorkflowBundle(
  outFile?: string,
  /** Another entry (tests bundle stand-in workflows beside real ones). @default workflows/index.ts */
  workflowsPath = WORKFLOWS_PATH,
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger,
  });
  const file = outFile ?? path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'hire10x-wf-')), 'workflow-bundle.js');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, code);
  return file;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
