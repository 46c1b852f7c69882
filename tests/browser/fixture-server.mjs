// fixture-server.mjs - a stand-in for `dundian-search serve` until the real
// server exists: serves web/ and answers the /api/ endpoints from the JSON
// the real command line printed (fixtures/, see capture-fixtures.mjs).
//   node tests/browser/fixture-server.mjs [PORT]     (0 or none: any free port)
// Prints "listening on http://127.0.0.1:PORT/" once it accepts requests.
// A request no fixture answers gets status 500 and is logged on stderr, so a
// test that strays from the captured requests fails loudly.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixtureKey } from './fixture-key.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const webRoot = path.resolve(here, '..', '..', 'web');
const fixtures = path.join(here, 'fixtures');
const manifest = JSON.parse(readFileSync(path.join(fixtures, 'manifest.json'), 'utf8'));

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
};
const ENDPOINTS = ['/api/search', '/api/excerpt', '/api/report', '/api/topics', '/api/health'];

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}
const json = (res, status, o) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(o));

function api(url, res) {
  if (!ENDPOINTS.includes(url.pathname) && !/^\/api\/note\/[^/]+$/.test(url.pathname))
    return json(res, 404, { error: `no such endpoint: ${url.pathname}` });
  const key = fixtureKey(decodeURIComponent(url.pathname), url.searchParams);
  const f = manifest[key];
  if (!f) {
    process.stderr.write(`fixture-server: no fixture for ${key}\n`);
    return json(res, 500, { error: `fixture server: no fixture for ${key}` });
  }
  send(res, f.status, 'application/json; charset=utf-8', readFileSync(path.join(fixtures, f.file)));
}

function file(url, res) {
  const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).slice(1);
  const full = path.resolve(webRoot, rel);
  if (!full.startsWith(webRoot + path.sep) || !TYPES[path.extname(full)])
    return json(res, 404, { error: `not found: ${url.pathname}` });
  let body;
  try {
    body = readFileSync(full);
  } catch {
    return json(res, 404, { error: `not found: ${url.pathname}` });
  }
  send(res, 200, TYPES[path.extname(full)], body);
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET') return json(res, 405, { error: 'read-only: GET only' });
  if (url.pathname.startsWith('/api/')) return api(url, res);
  file(url, res);
});
server.listen(Number(process.argv[2] || process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`);
});
