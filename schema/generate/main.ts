/**
 * `npm run generate`: writes every dialect generated from schema/warehouse, and the GCS lifecycle rules rendered from
 * schema/retention.
 * `npm run generate:check`: writes nothing; exits 1 listing stale files (CI and the unit tests use the same check).
 */
import path from 'node:path';
import { checkRetention } from '../retention/check';
import { RETENTION_POLICY } from '../retention/policy';
import { userAnalytics } from '../warehouse/dataset';
import { checkDataset } from '../warehouse/validate';
import { generateFiles } from './files';
import { findStaleFiles, writeGeneratedFiles } from './sync';

const ROOT = path.resolve(__dirname, '../..');

function main(argv: string[]): number {
  const problems = checkDataset(userAnalytics);
  if (problems.length > 0) {
    console.error(`schema/warehouse breaks ${problems.length} rule(s); nothing generated:`);
    for (const p of problems) console.error(`  [${p.rule}] ${p.table}${p.column ? `.${p.column}` : ''}: ${p.message}`);
    return 1;
  }
  const drift = checkRetention(userAnalytics, RETENTION_POLICY);
  if (drift.length > 0) {
    console.error(`schema/retention and schema/warehouse disagree on ${drift.length} table(s); nothing generated:`);
    for (const d of drift) console.error(`  ${d.table}: ${d.message}`);
    return 1;
  }
  const files = generateFiles(userAnalytics, RETENTION_POLICY);
  if (argv.includes('--check')) {
    const stale = findStaleFiles(ROOT, files);
    if (stale.length === 0) {
      console.log(`${files.length} generated files are up to date.`);
      return 0;
    }
    console.error(`${stale.length} generated file(s) are stale; run \`npm run generate\`:`);
    for (const s of stale) console.error(`  ${s.reason.padEnd(9)} ${s.path}`);
    return 1;
  }
  const written = writeGeneratedFiles(ROOT, files);
  for (const s of written) console.log(`${s.reason === 'orphan' ? 'deleted' : 'wrote  '} ${s.path}`);
  console.log(`${files.length} generated files, ${written.length} changed.`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
