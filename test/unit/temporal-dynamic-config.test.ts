import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  devServerDynamicConfigArgs,
  devServerTuningArgs,
  readDynamicConfig,
} from '../../cli/dev/temporal-dynamic-config';

function file(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dyncfg-'));
  const f = path.join(dir, 'dynamic-config.yaml');
  fs.writeFileSync(f, text);
  return f;
}

describe('Temporal dynamic config (infra/temporal/dynamic-config.yaml)', () => {
  it('the committed file gives the dev server the transfer queue poll rate and eager activities (no SQLite WAL)', () => {
    expect(devServerTuningArgs(readDynamicConfig())).toEqual([
      '--dynamic-config-value',
      'history.transferProcessorMaxPollRPS=1000',
      '--dynamic-config-value',
      'system.enableActivityEagerExecution=true',
    ]);
  });

  it('passes values as JSON, so strings and booleans keep their type', () => {
    const config = readDynamicConfig(
      file('frontend.enableX:\n  - value: true\nsystem.mode:\n  - value: "fast"\n    constraints: {}\n'),
    );
    expect(devServerDynamicConfigArgs(config)).toEqual([
      '--dynamic-config-value',
      'frontend.enableX=true',
      '--dynamic-config-value',
      'system.mode="fast"',
    ]);
  });

  it('refuses constrained values, which the dev server cannot express', () => {
    const config = readDynamicConfig(
      file('matching.numTaskqueueReadPartitions:\n  - value: 4\n    constraints: { taskQueueName: etl }\n'),
    );
    expect(() => devServerDynamicConfigArgs(config)).toThrow(/matching.numTaskqueueReadPartitions.*constraints/);
  });

  it('names the file and the key of a malformed entry', () => {
    const f = file('history.transferProcessorMaxPollRPS:\n  - valu: 1000\n');
    expect(() => readDynamicConfig(f)).toThrow(new RegExp(`${f}: history.transferProcessorMaxPollRPS.0`));
    expect(() => readDynamicConfig(file('NotAKey:\n  - value: 1\n'))).toThrow(/<service>.<name>/);
  });
});
