import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as catalog from '../../datagen/catalog';
import { formatTimestamp } from '../../datagen/copy-text';
import { generate, type SeedSink } from '../../datagen/generate';
import { resolveSeedOptions, SeedOptionsError } from '../../datagen/options';
import { SOURCE_TABLES } from '../../schema/source/tables';

/** Keeps only a hash and the shape of each table: enough to compare runs without holding the rows. */
function digestSink() {
  const digests: Record<string, string> = {};
  const badRows: string[] = [];
  const sink: SeedSink = {
    async copy(table, batches) {
      const hash = crypto.createHash('sha256');
      for (const b of batches) {
        hash.update(b.text);
        const lines = b.text.split('\n');
        expect(lines.pop()).toBe('');
        expect(lines.length).toBe(b.rows);
        for (const line of lines) {
          if (line.split('\t').length !== table.columns.length) badRows.push(`${table.name}: ${line}`);
        }
      }
      digests[table.name] = hash.digest('hex');
      await Promise.resolve();
    },
  };
  return { sink, digests, badRows };
}

const small = { users: 300, events: 30_000, days: 10, endDate: '2026-03-31' };

describe('generate()', () => {
  it('is byte-for-byte deterministic for a seed, and every row has one field per column', async () => {
    const a = digestSink();
    const b = digestSink();
    const c = digestSink();
    const countsA = await generate(resolveSeedOptions({ ...small, seed: 's1' }), a.sink);
    await generate(resolveSeedOptions({ ...small, seed: 's1' }), b.sink);
    await generate(resolveSeedOptions({ ...small, seed: 's2' }), c.sink);
    expect(a.badRows.slice(0, 3)).toEqual([]);
    expect(b.digests).toEqual(a.digests);
    expect(c.digests.users).not.toBe(a.digests.users);
    expect(c.digests.activity_events).not.toBe(a.digests.activity_events);
    expect(Object.keys(countsA)).toEqual(SOURCE_TABLES.map((t) => t.name));
    expect(countsA.users).toBe(300);
  });

  it('writes no data past the end date, across a DST change in the window (Europe, 2026-03-29)', async () => {
    let latest = '';
    const sink: SeedSink = {
      async copy(table, batches) {
        if (table.kind !== 'event') return;
        const col = table.columns.indexOf(table.timestampColumn);
        for (const b of batches) {
          for (const line of b.text.split('\n')) {
            const ts = line.split('\t')[col];
            if (ts && ts > latest) latest = ts;
          }
        }
        await Promise.resolve();
      },
    };
    await generate(resolveSeedOptions({ ...small, seed: 'dst' }), sink);
    expect(latest < '2026-04-01').toBe(true);
    expect(latest > '2026-03-31').toBe(true);
  });
});

describe('seed options', () => {
  it('fills in the scale and yesterday (UTC) as the end date', () => {
    const o = resolveSeedOptions({ scale: 'medium' }, new Date('2026-05-01T00:30:00Z'));
    expect(o).toMatchObject({ users: 50_000, events: 5_000_000, days: 30, endDate: '2026-04-30', reset: false });
    expect(resolveSeedOptions({ scale: 'large', users: '10' }).users).toBe(10);
  });

  it('names the offending option', () => {
    expect(() => resolveSeedOptions({ scale: 'huge' as 'small' })).toThrow(/--scale/);
    expect(() => resolveSeedOptions({ days: '0' })).toThrow(/--days/);
    expect(() => resolveSeedOptions({ users: 'many' })).toThrow(/--users.*"many"/);
    expect(() => resolveSeedOptions({ endDate: '2026-02-30' })).toThrow(/--end-date/);
    expect(() => resolveSeedOptions({ endDate: '2026-02-30' })).toThrow(SeedOptionsError);
  });
});

describe('COPY text encoding', () => {
  it('formats timestamps like Date#toISOString, in UTC', () => {
    for (const ms of [0, 1_767_225_599_999, Date.UTC(2026, 2, 8, 7, 5, 9, 42)]) {
      const iso = new Date(ms).toISOString();
      expect(formatTimestamp(ms)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 23)}+00`);
    }
  });

  it('catalogue strings need no escaping (no tab, newline or backslash)', () => {
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(catalog);
    expect(strings.length).toBeGreaterThan(100);
    expect(strings.filter((s) => /[\t\n\r\\]/.test(s))).toEqual([]);
  });
});
