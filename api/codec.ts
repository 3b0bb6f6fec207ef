/**
 * Origins allowed to call the codec routes from a browser: the Web UI's origin, plus its loopback alias
 * (`localhost` ↔ `127.0.0.1`) since the UI's origin is whichever host the engineer typed.
 */
export function codecOrigins(uiUrl: string): Set<string> {
  const url = new URL(uiUrl);
  const origins = new Set([url.origin]);
  const alias = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' }[url.hostname];
  if (alias) origins.add(`${url.protocol}//${alias}${url.port ? `:${url.port}` : ''}`);
  return origins;
}
