import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../config';

/**
 * The Cloud Build pipelines (.ci/cloudbuild/*.yaml) offline: each file against a strict schema of the build config
 * fields they use (an unknown or misspelt key fails), step ids and waitFor edges, substitutions declared, secrets
 * declared, every repository path a step names exists, the order main must keep, and the scripts the steps call run
 * here in --dry-run mode with the steps' own arguments.
 */
const DIR = path.join(PROJECT_ROOT, '.ci/cloudbuild');
const step = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  entrypoint: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*=/, 'KEY=value')).optional(),
  secretEnv: z.array(z.string()).optional(),
  dir: z.string().optional(),
  waitFor: z.array(z.string()).optional(),
  timeout: z
    .string()
    .regex(/^\d+s$/)
    .optional(),
});
const buildConfig = z.strictObject({
  steps: z.array(step).min(1),
  images: z.array(z.string()).optional(),
  substitutions: z.record(z.string().regex(/^_[A-Z0-9_]+$/, 'user substitutions start with _'), z.string()).optional(),
  availableSecrets: z
    .strictObject({
      secretManager: z.array(
        z.strictObject({
          versionName: z.string().regex(/^projects\/[^/]+\/secrets\/[^/]+\/versions\/\w+$/),
          env: z.string(),
        }),
      ),
    })
    .optional(),
  options: z
    .strictObject({
      machineType: z.enum(['E2_HIGHCPU_8', 'E2_HIGHCPU_32', 'N1_HIGHCPU_8', 'N1_HIGHCPU_32', 'E2_MEDIUM']).optional(),
      logging: z.enum(['CLOUD_LOGGING_ONLY', 'GCS_ONLY', 'LEGACY', 'NONE']).optional(),
      pool: z
        .strictObject({ name: z.string().regex(/^projects\/[^/]+\/locations\/[^/]+\/workerPools\/[^/]+$/) })
        .optional(),
    })
    .optional(),
  timeout: z.string().regex(/^\d+s$/),
});
type BuildConfig = z.infer<typeof buildConfig>;
const BUILTIN = new Set(['PROJECT_ID', 'BUILD_ID', 'COMMIT_SHA', 'SHORT_SHA', 'BRANCH_NAME', 'TAG_NAME', 'REPO_NAME']);

const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const load = (f: string): BuildConfig => buildConfig.parse(parse(fs.readFileSync(path.join(DIR, f), 'utf8')));

/** Replaces ${_X} and ${BUILTIN} the way Cloud Build does ($$ stays a literal $ for the shell). */
function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, k: string) => values[k] ?? `\${${k}}`);
}

// infra/terraform/envs/<env> comes with the Terraform work (another branch): until it is merged here, the terraform
// steps' dirs are the only paths allowed to be missing; once infra/terraform/envs exists, they are checked too.
const TERRAFORM_ENVS_MERGED = fs.existsSync(path.join(PROJECT_ROOT, 'infra/terraform/envs'));
const mayBeMissing = (p: string) => !TERRAFORM_ENVS_MERGED && p.startsWith('infra/terraform/envs/');

/** Problems of one file: dangling waitFor, duplicate ids, undeclared substitutions or secrets, missing paths. */
function problems(config: BuildConfig): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const declared = new Set(Object.keys(config.substitutions ?? {}));
  const secrets = new Set((config.availableSecrets?.secretManager ?? []).map((s) => s.env));
  for (const s of config.steps) {
    if (seen.has(s.id)) out.push(`${s.id}: duplicate id`);
    for (const w of s.waitFor ?? [])
      if (w !== '-' && !seen.has(w)) out.push(`${s.id}: waits for unknown or later step ${w}`);
    seen.add(s.id);
    const text = JSON.stringify(s).replace(/\$\$/g, '');
    for (const [, k = ''] of text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)) {
      if (!declared.has(k) && !BUILTIN.has(k)) out.push(`${s.id}: substitution \${${k}} is not declared`);
    }
    for (const e of s.secretEnv ?? []) if (!secrets.has(e)) out.push(`${s.id}: secretEnv ${e} not in availableSecrets`);
    if (s.dir && !mayBeMissing(s.dir) && !fs.existsSync(path.join(PROJECT_ROOT, s.dir)))
      out.push(`${s.id}: dir ${s.dir} does not exist`);
    for (const arg of s.args ?? []) {
      for (const [p] of arg.matchAll(/(?:scripts|jobs|infra|\.ci|dags)\/[\w./-]*\w/g)) {
        if (!fs.existsSync(path.join(PROJECT_ROOT, p)) && !mayBeMissing(p))
          out.push(`${s.id}: names ${p}, which does not exist`);
      }
    }
  }
  return out;
}

describe('Cloud Build pipelines', () => {
  it('has the PR, main and prod promotion pipelines', () => {
    expect(files.sort()).toEqual(['main.yaml', 'pr.yaml', 'promote-prod.yaml']);
  });

  it.each(files)('%s: matches the schema and its references resolve', (f) => {
    expect(problems(load(f))).toEqual([]);
  });

  it('reports a broken pipeline (the checks can fail)', () => {
    const config = load('main.yaml');
    const broken: BuildConfig = {
      ...config,
      steps: [
        ...config.steps,
        { id: 'x', name: 'y', args: ['scripts/nope.sh', '${_UNDECLARED}'], waitFor: ['later'], secretEnv: ['NOPE'] },
      ],
    };
    expect(problems(broken).filter((p) => p.startsWith('x: '))).toEqual([
      'x: waits for unknown or later step later',
      'x: substitution ${_UNDECLARED} is not declared',
      'x: secretEnv NOPE not in availableSecrets',
      'x: names scripts/nope.sh, which does not exist',
    ]);
    expect(() => buildConfig.parse({ ...config, step: [] })).toThrow();
  });

  it('PR: runs the whole suite (.ci/run) and renders the deploy', () => {
    const pr = load('pr.yaml');
    expect(pr.steps.some((s) => s.args?.includes('.ci/run'))).toBe(true);
    expect(pr.steps.some((s) => s.args?.includes('--dry-run') && s.args.includes('scripts/deploy-workers.sh'))).toBe(
      true,
    );
    expect(pr.availableSecrets).toBeUndefined();
  });

  it('main: image, terraform, deploy, DAGs, jobs, smoke, in that dependency order', () => {
    const main = load('main.yaml');
    const waits = Object.fromEntries(main.steps.map((s) => [s.id, s.waitFor ?? []]));
    const before = (a: string, b: string): boolean =>
      (waits[b] ?? []).includes(a) || (waits[b] ?? []).some((w) => w !== '-' && before(a, w));
    for (const id of [
      'image',
      'push',
      'terraform-plan',
      'terraform-apply',
      'upload-jobs',
      'deploy',
      'sync-dags',
      'smoke',
    ])
      expect(Object.keys(waits)).toContain(id);
    expect(before('push', 'deploy')).toBe(true);
    expect(before('terraform-apply', 'deploy')).toBe(true);
    expect(before('deploy', 'sync-dags')).toBe(true);
    expect(before('deploy', 'smoke')).toBe(true);
    expect(before('upload-jobs', 'smoke')).toBe(true);
    expect(JSON.stringify(main)).toContain('--build-id ${SHORT_SHA}');
  });

  it('the steps that call project scripts run here in --dry-run with their own arguments', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const values = {
      ...load('main.yaml').substitutions,
      SHORT_SHA: 'ci0123a',
      PROJECT_ID: 'hire10x-analytics-dev',
    } as Record<string, string>;
    const pr = load('pr.yaml').steps.find((s) => s.id === 'deploy-render')!;
    const main = load('main.yaml').steps.find((s) => s.id === 'smoke')!;
    const prod = load('promote-prod.yaml').steps.find((s) => s.id === 'smoke')!;
    for (const [s, subs] of [
      [pr, values],
      [main, values],
      [prod, { ...load('promote-prod.yaml').substitutions, _BUILD_ID: 'ci0123a' }],
    ] as const) {
      const args = s.args!.map((a) =>
        substitute(a, subs as Record<string, string>).replace(/@sha256:0{64}$/, `@${digest}`),
      );
      const run = spawnSync('bash', [...args, ...(args.includes('--dry-run') ? [] : ['--dry-run'])], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      });
      expect(run.status, `${s.id}: ${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/^dry-run: (kubectl|temporal) /m);
    }
  });
});
