// @ts-check
/**
 * The dashboard page's client: reads the filters from the URL, fetches `/dashboards/api/<name>`, and draws every
 * tile with ECharts (the global `echarts`, loaded before this file from /dashboards/assets/echarts.min.js). Changing
 * a filter refetches and redraws; the URL keeps the filters so a view can be shared. Plain browser JavaScript, type
 * checked by tsc (dashboards/client/tsconfig.json); no build step.
 *
 * State for whoever watches the page (the browser test): `body[data-state]` is loading | ready | error, and
 * `body[data-loads]` counts finished loads.
 */

/**
 * @typedef {{ column: string; name: string; type: 'line' | 'bar' | 'scatter'; axis?: 0 | 1; stack?: string }} SeriesSpec
 * @typedef {{ by: string; value: string; type: 'line' | 'bar'; stack?: boolean }} PivotSpec
 * @typedef {'count' | 'percent' | 'ms' | 'minutes'} ValueFormat
 * @typedef {Record<string, string | number | boolean | null>} Row
 * @typedef {{
 *   id: string; title: string; description: string; mart: string; scope: 'tenant' | 'platform';
 *   source: 'daily' | 'runs' | 'stream'; chart: 'line' | 'bar' | 'hbar' | 'funnel' | 'scatter';
 *   x: { column: string; kind: 'date' | 'time' | 'category' | 'value'; name?: string };
 *   series: SeriesSpec[] | PivotSpec; formats?: [ValueFormat, ValueFormat?]; empty?: string;
 *   rows: Row[]; latestDate: string | null; run: { workflowId: string; runId: string; url: string } | null;
 *   link?: { label: string; url: string }; note?: string;
 * }} Tile
 * @typedef {{
 *   filters: { tenant: string | null; from: string; to: string };
 *   tenants: { id: string; name: string }[];
 *   tiles: Tile[];
 * }} Dashboard
 * @typedef {{ error: { code: string; message: string; fields?: Record<string, string[]> } }} ApiError
 */

/** @type {typeof import('echarts')} */
// @ts-expect-error the UMD build defines a global
const charts = window.echarts;

const body = document.body;
const api = body.dataset.api ?? '';
const form = /** @type {HTMLFormElement} */ (document.getElementById('filters'));
const tenantSelect = /** @type {HTMLSelectElement} */ (form.elements.namedItem('tenant'));
const fromInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('from'));
const toInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('to'));
const status = /** @type {HTMLElement} */ (form.querySelector('.status'));
const errorBox = /** @type {HTMLElement} */ (document.getElementById('error'));

let loads = 0;
/** The newest request; an older answer arriving late is dropped. */
let generation = 0;
let tenantsShown = false;

/** @type {Record<ValueFormat, (v: number) => string>} */
const FORMATS = {
  count: (v) => v.toLocaleString('en-US', { maximumFractionDigits: 1 }),
  percent: (v) => `${(v * 100).toFixed(1)}%`,
  ms: (v) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`),
  minutes: (v) => `${v.toFixed(1)} min`,
};

/** @param {unknown} v @param {ValueFormat} format */
const formatValue = (v, format) => (typeof v === 'number' ? FORMATS[format](v) : String(v ?? '–'));

/** @param {URLSearchParams} params */
function queryString(params) {
  const out = new URLSearchParams();
  for (const key of ['tenant', 'from', 'to']) {
    const value = params.get(key);
    if (value) out.set(key, value);
  }
  return out.toString();
}

/** @param {Dashboard} data */
function showFilters(data) {
  if (!tenantsShown) {
    for (const t of data.tenants) {
      const option = document.createElement('option');
      option.value = t.id;
      option.textContent = `${t.name} (${t.id})`;
      tenantSelect.append(option);
    }
    tenantsShown = true;
  }
  tenantSelect.value = data.filters.tenant ?? '';
  fromInput.value = data.filters.from;
  toInput.value = data.filters.to;
  const qs = queryString(
    new URLSearchParams({ tenant: data.filters.tenant ?? '', from: data.filters.from, to: data.filters.to }),
  );
  history.replaceState(null, '', `${location.pathname}?${qs}`);
  for (const a of document.querySelectorAll('a[data-dashboard-link]')) {
    const link = /** @type {HTMLAnchorElement} */ (a);
    link.search = qs;
  }
}

/**
 * The x values: every day of the range on a date axis (a day without data is a gap, not a missing tick), else the
 * values in row order without repeats.
 * @param {Tile} tile @param {{ from: string; to: string }} range
 */
function xValues(tile, range) {
  if (tile.x.kind === 'date') {
    const days = [];
    const end = Date.parse(`${range.to}T00:00:00Z`);
    for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= end; t += 86_400_000) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
    return days;
  }
  return [...new Set(tile.rows.map((r) => String(r[tile.x.column])))];
}

/**
 * Series as [name, axis, type, stack, values aligned with `xs` (or [x, y] pairs on a time or value axis)].
 * @param {Tile} tile @param {string[]} xs
 * @returns {{ name: string; axis: 0 | 1; type: string; stack?: string; data: unknown[] }[]}
 */
function seriesOf(tile, xs) {
  const { rows, x } = tile;
  const paired = x.kind === 'time' || x.kind === 'value';
  if (!Array.isArray(tile.series)) {
    const pivot = tile.series;
    const names = [...new Set(rows.map((r) => String(r[pivot.by])))].sort();
    return names.map((name) => {
      const mine = rows.filter((r) => String(r[pivot.by]) === name);
      const at = new Map(mine.map((r) => [String(r[x.column]), r[pivot.value]]));
      return {
        name,
        axis: 0,
        type: pivot.type,
        stack: pivot.stack ? 'all' : undefined,
        data: paired ? mine.map((r) => [r[x.column], r[pivot.value]]) : xs.map((v) => at.get(v) ?? null),
      };
    });
  }
  return tile.series.map((s) => ({
    name: s.name,
    axis: s.axis ?? 0,
    type: s.type,
    stack: s.stack,
    data: paired
      ? rows.map((r) => [r[x.column], r[s.column]])
      : x.kind === 'date'
        ? xs.map((v) => rows.find((r) => String(r[x.column]) === v)?.[s.column] ?? null)
        : rows.map((r) => r[s.column]),
  }));
}

/**
 * The ECharts option of a tile.
 * @param {Tile} tile @param {{ from: string; to: string }} range
 * @returns {import('echarts').EChartsOption}
 */
function optionOf(tile, range) {
  const [left = 'count', right = 'count'] = tile.formats ?? [];
  const xs = xValues(tile, range);
  const series = seriesOf(tile, xs);
  const base = {
    animation: false,
    legend: { type: 'scroll', top: 0 },
    grid: { top: 36, left: 8, right: 8, bottom: 8, containLabel: true },
  };
  if (tile.chart === 'funnel') {
    const s = series[0];
    return {
      animation: false,
      tooltip: { trigger: 'item', valueFormatter: (v) => formatValue(v, left) },
      series: [
        {
          type: 'funnel',
          name: s?.name,
          sort: 'none',
          top: 8,
          bottom: 8,
          label: { show: true, position: 'inside' },
          data: xs.map((name, i) => ({ name, value: /** @type {number} */ (s?.data[i] ?? 0) })),
        },
      ],
    };
  }
  const valueAxis = (/** @type {ValueFormat} */ format, /** @type {boolean} */ split) => ({
    type: /** @type {const} */ ('value'),
    axisLabel: { formatter: (/** @type {number} */ v) => FORMATS[format](v) },
    splitLine: { show: split },
  });
  const twoAxes = series.some((s) => s.axis === 1);
  /** @type {any[]} */
  const drawn = series.map((s) => ({
    name: s.name,
    type: s.type,
    stack: s.stack,
    data: s.data,
    ...(tile.chart === 'hbar' ? {} : { yAxisIndex: twoAxes ? s.axis : 0 }),
    ...(s.type === 'line' && s.stack ? { areaStyle: {} } : {}),
    ...(s.type === 'line' ? { showSymbol: s.data.length < 60 } : {}),
    tooltip: { valueFormatter: (/** @type {unknown} */ v) => formatValue(v, s.axis === 1 ? right : left) },
  }));
  if (tile.chart === 'hbar') {
    return {
      ...base,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: valueAxis(left, true),
      yAxis: { type: 'category', data: xs, inverse: true, axisLabel: { width: 180, overflow: 'truncate' } },
      series: drawn,
    };
  }
  const xAxis =
    tile.x.kind === 'time'
      ? { type: /** @type {const} */ ('time') }
      : tile.x.kind === 'value'
        ? {
            type: /** @type {const} */ ('value'),
            name: tile.x.name,
            nameLocation: /** @type {const} */ ('middle'),
            nameGap: 24,
          }
        : { type: /** @type {const} */ ('category'), data: xs, name: tile.x.name };
  return {
    ...base,
    tooltip: { trigger: tile.chart === 'scatter' ? 'item' : 'axis' },
    xAxis,
    yAxis: twoAxes ? [valueAxis(left, true), valueAxis(right, false)] : [valueAxis(left, true)],
    series: drawn,
  };
}

/**
 * @param {HTMLElement} parent @param {string} text @param {{ label: string; url: string } | undefined} link
 */
function appendLink(parent, text, link) {
  parent.append(text);
  if (!link) return;
  const a = document.createElement('a');
  a.href = link.url;
  a.target = '_blank';
  a.rel = 'noopener';
  a.textContent = link.label;
  parent.append(a);
}

/** @param {Tile} tile @param {{ from: string; to: string }} range */
function drawTile(tile, range) {
  const article = document.querySelector(`[data-tile="${CSS.escape(tile.id)}"]`);
  if (!article) return;
  const chartBox = /** @type {HTMLElement} */ (article.querySelector('.chart'));
  const empty = /** @type {HTMLElement} */ (article.querySelector('.empty'));
  const provenance = /** @type {HTMLElement} */ (article.querySelector('.provenance'));
  article.toggleAttribute('data-empty', tile.rows.length === 0);
  provenance.replaceChildren();
  if (tile.rows.length === 0) {
    charts.getInstanceByDom(chartBox)?.dispose();
    chartBox.hidden = true;
    empty.hidden = false;
    empty.textContent = tile.note ?? tile.empty ?? 'no data for these filters';
    if (tile.link) appendLink(provenance, 'Fed by the ', tile.link);
    return;
  }
  empty.hidden = true;
  chartBox.hidden = false;
  const chart = charts.getInstanceByDom(chartBox) ?? charts.init(chartBox, undefined, { renderer: 'canvas' });
  chart.setOption(optionOf(tile, range), { notMerge: true });
  if (tile.source === 'stream') {
    appendLink(provenance, `Newest window on ${tile.latestDate ?? '?'} · fed by the `, tile.link);
  } else if (tile.run) {
    const a = { label: `${tile.run.workflowId} (run ${tile.run.runId.slice(0, 8)}…)`, url: tile.run.url };
    appendLink(provenance, `Data through ${tile.latestDate ?? '?'} · produced by `, a);
    provenance.querySelector('a')?.setAttribute('data-run-id', tile.run.runId);
  } else {
    provenance.append(`Data through ${tile.latestDate ?? '?'} · no succeeded pipeline run recorded for that day`);
  }
}

/** @param {string} message @param {Record<string, string[]> | undefined} fields */
function showError(message, fields) {
  const detail = fields ? Object.values(fields).flat().join('; ') : '';
  errorBox.textContent = detail ? `${message}: ${detail}` : message;
  errorBox.hidden = false;
}

/** @param {string} qs */
async function load(qs) {
  const mine = ++generation;
  body.dataset.state = 'loading';
  status.textContent = 'loading…';
  try {
    const res = await fetch(`${api}${qs ? `?${qs}` : ''}`, { headers: { accept: 'application/json' } });
    const payload = /** @type {Dashboard | ApiError} */ (await res.json());
    if (mine !== generation) return;
    if (!res.ok || 'error' in payload) {
      const e = 'error' in payload ? payload.error : { message: `HTTP ${res.status}`, fields: undefined };
      showError(e.message, e.fields);
      body.dataset.state = 'error';
    } else {
      errorBox.hidden = true;
      showFilters(payload);
      for (const tile of payload.tiles) drawTile(tile, payload.filters);
      body.dataset.state = 'ready';
    }
  } catch (err) {
    if (mine !== generation) return;
    showError(`could not load the dashboard (${err instanceof Error ? err.message : String(err)})`, undefined);
    body.dataset.state = 'error';
  } finally {
    if (mine === generation) {
      status.textContent = '';
      body.dataset.loads = String(++loads);
    }
  }
}

form.addEventListener('change', () => {
  if (fromInput.value && toInput.value && fromInput.value > toInput.value) {
    showError('From is after To', undefined);
    return;
  }
  void load(queryString(new URLSearchParams({ tenant: tenantSelect.value, from: fromInput.value, to: toInput.value })));
});
form.addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('resize', () => {
  for (const el of document.querySelectorAll('.chart'))
    charts.getInstanceByDom(/** @type {HTMLElement} */ (el))?.resize();
});

void load(queryString(new URLSearchParams(location.search)));

export {};
