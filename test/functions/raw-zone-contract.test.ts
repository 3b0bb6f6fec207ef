import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';
import { RAW_ZONE_COLUMNS } from '../../schema/source/raw-zone';
import { SOURCE_TABLES } from '../../schema/source/tables';

/** The TypeScript raw-zone contract the data-validation function applies equals the Spark job's (raw.py RAW_SCHEMAS). */
const PY_TYPES: Record<string, string> = {
  _I64: 'int64',
  _I32: 'int32',
  _STR: 'string',
  _TS: 'timestamp',
  _BOOL: 'boolean',
};

function pythonContract(): Record<string, { name: string; type: string }[]> {
  const source = fs.readFileSync(path.join(PROJECT_ROOT, 'jobs/transform/raw.py'), 'utf8');
  const block = source.slice(source.indexOf('RAW_SCHEMAS'), source.indexOf('\n}\n', source.indexOf('RAW_SCHEMAS')));
  const out: Record<string, { name: string; type: string }[]> = {};
  for (const part of block.split(/\n {4}"(?=[a-z_]+": _struct\()/).slice(1)) {
    const table = part.slice(0, part.indexOf('"'));
    out[table] = [...part.matchAll(/\("([a-z_]+)", (_[A-Z0-9]+)\)/g)].map((m) => ({
      name: m[1]!,
      type: PY_TYPES[m[2]!] ?? `unknown ${m[2]}`,
    }));
  }
  return out;
}

describe('raw-zone contract (schema/source/raw-zone.ts)', () => {
  it('equals jobs/transform/raw.py RAW_SCHEMAS, table by table, column by column', () => {
    const py = pythonContract();
    expect(Object.keys(py).sort()).toEqual(SOURCE_TABLES.map((t) => t.name).sort());
    expect(RAW_ZONE_COLUMNS).toEqual(py);
  });
});
