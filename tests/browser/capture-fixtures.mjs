// capture-fixtures.mjs - records what the real command line answers for the
// requests the browser tests make, as the JSON the /api/ endpoints return
// (issue 10: the server mirrors `dundian-search ... --json`).  Run from the
// repository root after building and indexing:
//   node tests/browser/capture-fixtures.mjs
// It writes tests/browser/fixtures/*.json and fixtures/manifest.json.
//
// What the CLI does not print and the server adds is derived here:
//  - each search hit's "highlights": the CLI marks hits in the snippet with
//    【】; the server gives the plain snippet and [start, end, kind] spans
//    in code points of it ("typed" for a word the user typed, "relative"
//    for a thesaurus relative, "literal" for an exact string).  The 【】
//    marks are told from brackets the note itself holds by aligning the
//    snippet with the note body.
//  - each excerpt passage's "markdown": the block `excerpt --format
//    markdown` prints for that passage, byte for byte.
//  - errors: {"error": the CLI's one line without its program prefix}.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixtureKey } from './fixture-key.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', '..');
const bin = path.join(root, 'build', 'bin');
const out = path.join(here, 'fixtures');

function run(prog, args, db) {
  const r = spawnSync(path.join(bin, prog), ['--db', db, ...args], { cwd: root, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

function cliError(r) {
  const line = r.stderr.trim().split('\n')[0];
  // without the program's name, and without where this checkout lives
  return line.replace(/^dundian-search( \w+)?: /, '').replaceAll(root + '/', '');
}

// The plain snippet and its marked spans, from the 【】-marked snippet and
// the note body it was cut from.
function unmark(marked, body) {
  const s = Array.from(marked), b = Array.from(body);
  const firstPlain = s.find((c) => c !== '【' && c !== '】');
  for (let j0 = 0; j0 < b.length; j0++) {
    if (b[j0] !== firstPlain && b[j0] !== s[0]) continue;
    let i = 0, j = j0, open = -1;
    const spans = [];
    let ok = true;
    while (i < s.length) {
      if (j < b.length && s[i] === b[j]) { i++; j++; continue; }
      if (s[i] === '【' && open < 0) { open = j - j0; i++; continue; }
      if (s[i] === '】' && open >= 0) { spans.push([open, j - j0]); open = -1; i++; continue; }
      ok = false;
      break;
    }
    if (ok && open < 0) return { text: b.slice(j0, j).join(''), spans };
  }
  throw new Error(`snippet not found in its note: ${marked}`);
}

function kindOf(word, query) {
  const q = query.toLowerCase();
  const quoted = [...q.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  if (quoted.some((x) => x.includes(word.toLowerCase()))) return 'literal';
  return q.includes(word.toLowerCase()) ? 'typed' : 'relative';
}

function search(db, p) {
  const args = [];
  if (p.q) args.push(p.q);
  args.push('--json', '--limit', p.limit || '10', '--offset', p.offset || '0', '--sort', p.sort || 'relevance');
  if (p.facets) args.push('--facets', p.facets);
  if (p.like) args.push('--like', p.like);
  const r = run('dundian-search', args, db);
  if (r.status === 2) return [400, { error: cliError(r) }];
  if (r.status !== 0 && r.status !== 1) throw new Error(`search ${JSON.stringify(p)}: ${r.stderr}`);
  const o = JSON.parse(r.stdout);
  for (const h of o.hits) {
    if (!h.snippet) continue;
    const note = JSON.parse(run('dundian-search', ['show', h.id, '--json'], db).stdout);
    const { text, spans } = unmark(h.snippet, note.body);
    const chars = Array.from(text);
    h.snippet = text;
    h.highlights = spans.map(([a, e]) => [a, e, kindOf(chars.slice(a, e).join(''), p.q || '')]);
  }
  return [200, o];
}

function note(db, id, p) {
  const args = ['show', id, '--json'];
  if (p.highlight) args.push('--highlight', p.highlight);
  const r = run('dundian-search', args, db);
  if (r.status === 1) return [404, { error: cliError(r) }];
  if (r.status === 2) return [400, { error: cliError(r) }];
  const o = JSON.parse(r.stdout);
  o.path = path.relative(root, o.path); // the fixture must not depend on where it was captured
  return [200, o];
}

function excerpt(db, p) {
  const common = [p.q, '--per-note', p.per_note || '2', '--limit', p.limit || '10'];
  const r = run('dundian-search', ['excerpt', ...common, '--format', 'json'], db);
  if (r.status === 2) return [400, { error: cliError(r) }];
  const o = JSON.parse(r.stdout);
  const md = run('dundian-search', ['excerpt', ...common, '--format', 'markdown'], db).stdout;
  // one block per passage: "> ...\n\n— citation\n\n"
  const blocks = md.split(/(?<=\n— [^\n]*\n\n)/).filter((x) => x !== '');
  const passages = o.excerpts.flatMap((e) => e.passages);
  if (blocks.length !== passages.length || blocks.join('') !== md)
    throw new Error(`excerpt ${p.q}: ${blocks.length} markdown blocks for ${passages.length} passages`);
  passages.forEach((pa, k) => { pa.markdown = blocks[k]; });
  return [200, o];
}

function report(db, p) {
  const args = ['report'];
  if (p.q) args.push(p.q);
  args.push('--format', 'json', '--by', p.by || 'county');
  const r = run('dundian-search', args, db);
  if (r.status === 2) return [400, { error: cliError(r) }];
  return [200, JSON.parse(r.stdout)];
}

function answer(db, pathname, params) {
  const p = Object.fromEntries(params);
  if (pathname === '/api/search') return search(db, p);
  if (pathname === '/api/excerpt') return excerpt(db, p);
  if (pathname === '/api/report') return report(db, p);
  if (pathname.startsWith('/api/note/')) return note(db, decodeURIComponent(pathname.slice(10)), p);
  throw new Error(`no capture for ${pathname}`);
}

// A note whose every field is hostile markup, in an index of its own.
function xssIndex() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dd-xss-'));
  mkdirSync(path.join(dir, 'notes'));
  writeFileSync(path.join(dir, 'notes', 'X0001.md'), readFileSync(path.join(here, 'xss-note.md')));
  const r = spawnSync(path.join(bin, 'dundian-index'), ['--db', path.join(dir, 'db'), path.join(dir, 'notes')],
    { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`indexing the XSS note: ${r.stderr}`);
  return dir;
}

const F = 'topic,county,month';
const S = (q, more = {}) => ['/api/search', { q, limit: '10', offset: '0', sort: 'relevance', facets: F, ...more }];
const main = [
  S('饮水'), S('饮水', { offset: '10' }), S('饮水', { offset: '20' }), S('饮水', { sort: 'date' }),
  S('饮水 topic:pollution'), S('饮水 county:柳浦县'), S('饮水 date:2007-03'),
  S('饮水 AND ('), S('zzzqqq'), S('topic:water county:柳浦县'), S('topic:water date:2007-04'),
  ['/api/search', { like: 'N0229', limit: '5' }],
  ['/api/note/N0229', { highlight: '饮水' }], ['/api/note/N0229', {}], ['/api/note/N9999', {}],
  ['/api/excerpt', { q: '饮水', per_note: '2', limit: '10' }], ['/api/excerpt', { q: '饮水 id:N0229', per_note: '5', limit: '10' }],
  ['/api/report', { q: '', by: 'county' }], ['/api/report', { q: '', by: 'month' }],
  ['/api/report', { q: '饮水', by: 'county' }],
];
const xss = [
  S('脚本'), ['/api/note/X0001', { highlight: '脚本' }], ['/api/search', { like: 'X0001', limit: '5' }],
  ['/api/excerpt', { q: '脚本', per_note: '2', limit: '10' }], ['/api/report', { q: '脚本', by: 'county' }],
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
const manifest = {};
let n = 0;
// named by the request, so a new fixture leaves the others' files alone
function save(key, status, body) {
  const file = `${createHash('sha1').update(key).digest('hex').slice(0, 12)}.json`;
  n++;
  writeFileSync(path.join(out, file), JSON.stringify(body) + '\n');
  manifest[key] = { status, file };
}
const mainDb = process.env.DUNDIAN_DB || path.join(root, 'index');
const xdir = xssIndex();
try {
  for (const [db, list] of [[mainDb, main], [path.join(xdir, 'db'), xss]]) {
    for (const [pathname, p] of list) {
      const params = new URLSearchParams(p);
      const [status, body] = answer(db, pathname, params);
      save(fixtureKey(pathname, params), status, body);
      // the facet test narrows a filtered search by its first county
      if (p.q === '饮水 topic:pollution') list.push(S(`${p.q} county:${body.facets.county[0].value}`));
    }
  }
} finally {
  rmSync(xdir, { recursive: true, force: true });
}
const tax = JSON.parse(readFileSync(path.join(root, 'corpus', 'taxonomy.json'), 'utf8'));
save('GET /api/topics', 200, tax.topics.map((t) => ({ key: t.key, name: t.name })));
const health = run('dundian-search', ['report', '--format', 'json'], mainDb);
save('GET /api/health', 200, { status: 'ok', notes: JSON.parse(health.stdout).notes });
writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
console.log(`${n} fixtures in ${path.relative(root, out)}`);
