import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import { writeWorkflowBundle } from '../../workers/bundle';
import { workflowUiUrl } from '../../workflows/ui-links';

/**
 * The stage table as engineers see it: the real Temporal Web UI of the test platform in Debian's Chromium. The probe
 * workflow (test/fakes/ui/workflows.ts) renders the daily pipeline's stage table through StageProgress; its payloads
 * are left unencrypted so the UI renders them without a codec server.
 */
const config = loadConfig();
let browser: Browser;
let client: Client;
let clientConnection: Connection;
let native: NativeConnection;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  clientConnection = await Connection.connect({ address: config.temporal.address });
  native = await NativeConnection.connect({ address: config.temporal.address });
  client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await clientConnection?.close();
  await native?.close();
});

describe('the Web UI', () => {
  it.each([1400, 1000])('shows every stage row and the footer of the current details at %i px', async (width) => {
    const taskQueue = `test-ui-${randomUUID()}`;
    const workflowId = `stage-table-probe:${randomUUID()}`;
    const worker = await Worker.create({
      connection: native,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowBundle: {
        codePath: await writeWorkflowBundle(undefined, path.join(__dirname, '..', 'fakes', 'ui', 'workflows.ts')),
      },
    });
    await worker.runUntil(async () => {
      await client.workflow.execute('stageTableProbe', { taskQueue, workflowId, workflowExecutionTimeout: '1 minute' });
      // The UI reads current details through a query: the worker stays up while the page is checked.
      await checkPage(workflowId, width);
    });
  });
});

async function checkPage(workflowId: string, width: number): Promise<void> {
  {
    const page = await browser.newPage({ viewport: { width, height: 1100 } });
    try {
      await page.goto(workflowUiUrl({ url: config.temporal.uiUrl, namespace: config.temporal.namespace }, workflowId), {
        waitUntil: 'networkidle',
      });
      await page.getByText('User Metadata', { exact: true }).click();
      // The current details are rendered in an iframe sized by the UI; find the one holding the stage table.
      const frame = await (async () => {
        for (let i = 0; i < 40; i++) {
          for (const handle of await page.$$('iframe')) {
            const content = await handle.contentFrame();
            // The UI re-renders its iframes while the page settles: a detached one is looked up again.
            const found = await content
              ?.locator('td', { hasText: 'publish' })
              .count()
              .catch(() => 0);
            if (found) return handle;
          }
          await page.waitForTimeout(250);
        }
        const shot = path.join(os.tmpdir(), `ui-current-details-${width}.png`);
        await page.screenshot({ path: shot });
        throw new Error(`no iframe with the stage table (the page as seen: ${shot})`);
      })();
      const visible = (await frame.boundingBox())?.height ?? 0;
      const content = await frame.contentFrame();
      // Evaluated in the page (a string: this project's types have no DOM).
      const bottoms = (await content?.evaluate(`(() => {
        const rows = [...document.querySelectorAll('tbody tr')];
        const footer = [...document.querySelectorAll('p')].find((p) => p.innerText.startsWith('Reset point'));
        return {
          rows: rows.length,
          lastRow: rows.at(-1)?.getBoundingClientRect().bottom ?? Infinity,
          footer: footer?.getBoundingClientRect().bottom ?? Infinity,
        };
      })()`)) as { rows: number; lastRow: number; footer: number };
      expect(bottoms.rows).toBe(5);
      expect(bottoms.lastRow, 'the last stage row is cut off').toBeLessThanOrEqual(visible);
      expect(bottoms.footer, 'the footer is cut off').toBeLessThanOrEqual(visible);
    } finally {
      await page.close();
    }
  }
}
