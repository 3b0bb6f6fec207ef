import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type GcpConfig } from '../../config';
import { dataprocOptionsFrom, readDataprocClusterConfig } from '../../config/dataproc';

/** config/dataproc.ts without any emulator: the environment and the cluster file turned into the runner's options. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-dataproc-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

function gcpConfig(extra: Record<string, string> = {}): GcpConfig {
  const config = parseConfig({
    PLATFORM: 'gcp',
    GCP_PROJECT_ID: 'hire10x-test',
    DATAPROC_JOBS_URI: 'gs://hire10x-jobs/jobs/',
    ...extra,
  });
  if (config.platform !== 'gcp') throw new Error('expected the gcp configuration');
  return config;
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('Dataproc options from configuration', () => {
  it('takes project, region, jobs folder and endpoint from the environment', () => {
    expect(dataprocOptionsFrom(gcpConfig())).toEqual({
      projectId: 'hire10x-test',
      region: 'us-central1',
      jobsUri: 'gs://hire10x-jobs/jobs/',
    });
    expect(
      dataprocOptionsFrom(
        gcpConfig({ DATAPROC_REGION: 'europe-west1', DATAPROC_API_ENDPOINT: 'http://localhost:8123' }),
      ),
    ).toMatchObject({ region: 'europe-west1', endpoint: { host: 'localhost', port: 8123, insecure: true } });
    expect(
      dataprocOptionsFrom(gcpConfig({ DATAPROC_API_ENDPOINT: 'https://dataproc.internal.example' })).endpoint,
    ).toEqual({ host: 'dataproc.internal.example', port: 443, insecure: false });
  });

  it('needs the jobs folder', () => {
    expect(issuesOf(() => dataprocOptionsFrom(gcpConfig({ DATAPROC_JOBS_URI: '' })))).toEqual([
      'DATAPROC_JOBS_URI: required when PLATFORM=gcp (the gs:// folder holding daily_transform.py and jobs.zip)',
    ]);
  });

  it('merges the cluster file under the environment-owned options', () => {
    const file = write(
      'cluster.yaml',
      'imageVersion: 2.2-debian12\nworkers: { count: 4, machineType: n2-highmem-8 }\n',
    );
    expect(dataprocOptionsFrom(gcpConfig({ DATAPROC_CLUSTER_CONFIG: file }))).toEqual({
      imageVersion: '2.2-debian12',
      workers: { count: 4, machineType: 'n2-highmem-8' },
      projectId: 'hire10x-test',
      region: 'us-central1',
      jobsUri: 'gs://hire10x-jobs/jobs/',
    });
    expect(readDataprocClusterConfig(write('empty.yaml', ''))).toEqual({});
  });

  it('names the file, the option and the variable in every refusal', () => {
    const bad = (text: string, name = 'bad.yaml') =>
      issuesOf(() => dataprocOptionsFrom(gcpConfig({ DATAPROC_CLUSTER_CONFIG: write(name, text) })));
    expect(bad('workers:\n  count: 1\n')).toEqual([
      expect.stringMatching(
        /^DATAPROC_CLUSTER_CONFIG \(.*bad\.yaml\): workers\.count: worker count must be 0 or 2-1000$/,
      ),
    ]);
    expect(bad('imageVerison: x\nregion: europe-west1\n')).toEqual([
      expect.stringMatching(/unknown option imageVerison; known: .*imageVersion/),
      expect.stringMatching(/region comes from the environment/),
    ]);
    expect(bad('- a\n')[0]).toMatch(/expected a mapping of cluster options, got a list/);
    expect(bad('42\n')[0]).toMatch(/expected a mapping of cluster options, got number/);
    expect(bad('workers: [\n')[0]).toMatch(/not valid YAML\/JSON/);
    expect(
      issuesOf(() => dataprocOptionsFrom(gcpConfig({ DATAPROC_CLUSTER_CONFIG: path.join(dir, 'missing.yaml') })))[0],
    ).toMatch(/missing\.yaml\): cannot be read/);
    // A bad environment-owned value is reported under the variable it came from.
    expect(issuesOf(() => dataprocOptionsFrom(gcpConfig({ GCP_REGION: 'Europe' })))).toEqual([
      expect.stringMatching(/^GCP_REGION: a GCP region/),
    ]);
    expect(issuesOf(() => dataprocOptionsFrom(gcpConfig({ DATAPROC_REGION: 'Europe' })))).toEqual([
      expect.stringMatching(/^DATAPROC_REGION: a GCP region/),
    ]);
  });
});
