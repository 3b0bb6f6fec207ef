import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../adapters/errors';
import { checkDate, checkQuery, classifyStatement, normaliseTimestamp } from '../../adapters/warehouse/sql';
import { formatRows, parseParam } from '../../cli/warehouse-commands';

describe('warehouse SQL guard', () => {
  it.each([
    ['SELECT 1', true],
    ['  with x as (select 1) select * from x', true],
    ['DESCRIBE t', true],
    ['SHOW TABLES', true],
    ["SELECT 'DELETE FROM t' AS s -- DROP TABLE t", true],
    ['SELECT `update` FROM t', true],
    ['WITH x AS (SELECT 1) DELETE FROM t WHERE true', false],
    ['INSERT INTO t VALUES (1)', false],
    ['COPY t TO "x.csv"', false],
    ['ATTACH "other.duckdb"', false],
  ])('%s → read-only %s', (sql, readOnly) => {
    expect(classifyStatement(sql, 'bigquery').readOnly).toBe(readOnly);
  });

  it('counts statements outside strings and comments', () => {
    expect(() => classifyStatement("SELECT ';' AS s; SELECT 2", 'duckdb')).toThrow(/one statement/);
    expect(classifyStatement("SELECT ';' AS s; /* ; */ -- ;\n", 'duckdb').readOnly).toBe(true);
    expect(() => classifyStatement('SELECT "unterminated', 'duckdb')).toThrow(PlatformError);
  });

  it('finds @params but not @@system variables or quoted text', () => {
    const { names } = checkQuery(
      "SELECT @a, @@dataset_id, '@b', `@c`, @a_2 # @d",
      { a: 1, a_2: 2 },
      { dialect: 'bigquery' },
    );
    expect(names).toEqual(['a', 'a_2']);
  });

  it('validates calendar days', () => {
    expect(checkDate('2028-02-29')).toBe('2028-02-29');
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', '20261127', ' 2026-11-27']) {
      expect(() => checkDate(bad)).toThrow(JSON.stringify(bad));
    }
  });

  it('normalises timestamps to UTC microseconds', () => {
    expect(normaliseTimestamp('2026-01-02 03:04:05+00')).toBe('2026-01-02T03:04:05.000000Z');
    expect(normaliseTimestamp('2026-01-02T03:04:05.123456789Z')).toBe('2026-01-02T03:04:05.123456Z');
    expect(normaliseTimestamp('2026-01-02 03:04:05.5+02:00')).toBe('2026-01-02T01:04:05.500000Z');
  });
});

describe('analytics warehouse query options', () => {
  it('parses plain and typed parameters', () => {
    let params = parseParam('tenant=acme=corp');
    params = parseParam('day:date=2026-11-27', params);
    expect(params).toEqual({ tenant: 'acme=corp', day: { type: 'DATE', value: '2026-11-27' } });
    expect(() => parseParam('tenant=x', params)).toThrow(/twice/);
    expect(() => parseParam('x:BLOB=1')).toThrow(/unknown type/);
    expect(() => parseParam('1x=1')).toThrow(/expected/);
  });

  it('formats rows as an aligned table', () => {
    expect(formatRows([{ a: 1, bb: null }])).toBe('a  bb\n-  ----\n1  NULL\n(1 row)');
    expect(formatRows([])).toBe('(no rows)');
  });
});
