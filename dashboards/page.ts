import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DASHBOARDS, type DashboardName, type TileSpec } from './tiles';

/**
 * The HTML of the dashboard pages and the files they load. A page is a static shell rendered from the catalogue
 * (navigation, filters, one empty tile per catalogue entry); `client/dashboard.js` fetches
 * `/dashboards/api/<name>` and draws each tile with ECharts, served from node_modules so the page works offline.
 */

export const BASE = '/dashboards';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** No inline script and nothing from elsewhere; ECharts sets inline styles on the elements it creates. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function layout(title: string, current: DashboardName | undefined, bodyAttributes: string, main: string): string {
  const nav = Object.values(DASHBOARDS)
    .map(
      (d) =>
        `<a href="${BASE}/${d.name}" data-dashboard-link="${d.name}"${d.name === current ? ' aria-current="page"' : ''}>${escape(d.title)}</a>`,
    )
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escape(title)} · Hire10x analytics</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${BASE}/assets/dashboard.css">
    <script src="${BASE}/assets/echarts.min.js" defer></script>
    <script src="${BASE}/assets/dashboard.js" type="module"></script>
  </head>
  <body ${bodyAttributes}>
    <header>
      <a class="home" href="${BASE}/">Hire10x analytics</a>
      <nav>
      ${nav}
      </nav>
    </header>
    ${main}
  </body>
</html>
`;
}

function tileShell(tile: TileSpec): string {
  const scope =
    tile.scope === 'platform'
      ? '<span class="scope" title="Platform-wide figures: the tenant filter does not apply to this tile">all tenants</span>'
      : '';
  return `<article class="tile" data-tile="${escape(tile.id)}" data-chart="${tile.chart}">
        <h2>${escape(tile.title)} ${scope}</h2>
        <p class="what">${escape(tile.description)}</p>
        <div class="chart" role="img" aria-label="${escape(tile.title)}"></div>
        <p class="empty" hidden></p>
        <p class="provenance"></p>
      </article>`;
}

/** One dashboard: filters (tenant, from, to) and its tiles, drawn by the client. */
export function dashboardPage(name: DashboardName): string {
  const spec = DASHBOARDS[name];
  const main = `<main>
      <h1>${escape(spec.title)}</h1>
      <p class="description">${escape(spec.description)}</p>
      <form id="filters" class="filters">
        <label>Tenant <select name="tenant"><option value="">All tenants</option></select></label>
        <label>From <input type="date" name="from" required></label>
        <label>To <input type="date" name="to" required></label>
        <span class="status" aria-live="polite"></span>
      </form>
      <div id="error" class="error" role="alert" hidden></div>
      <section class="grid">
      ${spec.tiles.map(tileShell).join('\n      ')}
      </section>
    </main>`;
  return layout(
    spec.title,
    name,
    `data-dashboard="${name}" data-api="${BASE}/api/${name}" data-state="loading" data-loads="0"`,
    main,
  );
}

/** `/dashboards/`: the four dashboards and what each tile shows. */
export function indexPage(): string {
  const cards = Object.values(DASHBOARDS)
    .map(
      (d) => `<li>
          <a href="${BASE}/${d.name}">${escape(d.title)}</a> — ${escape(d.description)}
          <ul>${d.tiles.map((t) => `<li>${escape(t.title)} <code>${escape(t.mart)}</code></li>`).join('')}</ul>
        </li>`,
    )
    .join('\n        ');
  const main = `<main>
      <h1>Dashboards</h1>
      <p class="description">The four dashboards over the local warehouse, with a tenant and a date filter on each;
        every tile built by the daily pipeline links to the Temporal run that produced its newest day.</p>
      <ul class="index">
        ${cards}
      </ul>
    </main>`;
  return layout('Dashboards', undefined, 'data-state="ready"', main);
}

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CLIENT_DIR = path.join(__dirname, 'client');

/** The files the pages load, by name under `/dashboards/assets/`; read once. */
export function loadAssets(): Map<string, Asset> {
  const files: [string, string, string][] = [
    ['echarts.min.js', require.resolve('echarts/dist/echarts.min.js'), 'text/javascript; charset=utf-8'],
    ['dashboard.js', path.join(CLIENT_DIR, 'dashboard.js'), 'text/javascript; charset=utf-8'],
    ['dashboard.css', path.join(CLIENT_DIR, 'dashboard.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(
    files.map(([name, file, contentType]) => {
      const body = fs.readFileSync(file);
      const etag = `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      return [name, { body, contentType, etag }];
    }),
  );
}
