// harness.mjs - starts the server under test and a headless chromium for
// the browser tests (web.test.mjs).
//
// The server: DD_SERVE_CMD, a shell command line in which {port} stands for
// a free loopback port (run from the repository root), e.g.
//   DD_SERVE_CMD='build/bin/dundian-search serve --port {port} --db build/browser/index'
// or, when it is unset, the fixture server (fixture-server.mjs) answering
// from the JSON the real command line printed.  DD_BASE_URL instead points
// the tests at a server that is already running.
// The browser: playwright-core driving Debian's chromium (CHROMIUM, default
// /usr/bin/chromium); no browser is downloaded.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = path.dirname(new URL(import.meta.url).pathname);
export const root = path.resolve(here, '..', '..');
export const shots = process.env.DD_SCREENSHOTS || path.join(root, 'build', 'browser');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(base, child, log) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${log()}`);
    try {
      const r = await fetch(`${base}api/health`);
      if (r.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not answer ${base}api/health within 30 s:\n${log()}`);
}

export async function startServer() {
  if (process.env.DD_BASE_URL) {
    const base = process.env.DD_BASE_URL.replace(/\/?$/, '/');
    await waitHealthy(base, null, () => '');
    return { base, stop: async () => {} };
  }
  const port = await freePort();
  const cmd = (process.env.DD_SERVE_CMD || `node ${JSON.stringify(path.join(here, 'fixture-server.mjs'))} {port}`)
    .replaceAll('{port}', String(port));
  const child = spawn('sh', ['-c', `exec ${cmd}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; process.stderr.write(d); });
  const base = `http://127.0.0.1:${port}/`;
  await waitHealthy(base, child, () => output);
  return {
    base,
    output: () => output,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

export async function startBrowser() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // no network beyond the server under test: without these, chromium's
    // own background connections are refused on a closed network
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none', '--disable-quic',
      '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh page that records script errors, dialogs and console errors (a
// failed request's own "Failed to load resource" line is expected for the
// error scenarios and left out).
export async function newPage(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base.replace(/\/$/, '') });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`dialog: ${d.message()}`);
    await d.dismiss();
  });
  // offline: the page loads nothing but from the server under test
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`request outside the server: ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return { context, page, problems };
}

export async function api(base, pathAndQuery) {
  const r = await fetch(new URL(`api/${pathAndQuery}`, base));
  return { status: r.status, body: await r.json() };
}

export function shot(page, name) {
  return page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}
