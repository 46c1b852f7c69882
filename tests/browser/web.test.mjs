// web.test.mjs - the web page (web/) in a real headless chromium against
// the server (harness.mjs): every scenario of issue 10.  What the page must
// show is read from the same server's API, so the tests hold for the fixture
// server and the real one alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, newPage, shot, shots, startBrowser, startServer } from './harness.mjs';

const FACETS = 'topic,county,month';
let server, browser;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
});
after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

function searchParams(q, more = {}) {
  return new URLSearchParams({ q, limit: '10', offset: '0', sort: 'relevance', facets: FACETS, ...more }).toString();
}

function hashParams(page) {
  return page.evaluate(() => Object.fromEntries(new URLSearchParams(location.hash.slice(1))));
}

// Opens the page, runs fn(page), then checks nothing ran that should not.
async function withPage(fn) {
  const { context, page, problems } = await newPage(browser, server.base);
  try {
    await fn(page);
    assert.doesNotMatch(server.output ? server.output() : '', /no fixture for/, 'a request the fixtures do not answer');
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected script ran');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

async function search(page, q) {
  await page.fill('#q', q);
  await page.press('#q', 'Enter');
}

// The ranked list on the page: id, title and each snippet's marks.
function shownHits(page) {
  return page.$$eval('.hit', (lis) => lis.map((li) => ({
    id: li.dataset.id,
    title: li.querySelector('.hit-title a').textContent,
    snippet: li.querySelector('.snippet') ? li.querySelector('.snippet').textContent : '',
    marks: [...li.querySelectorAll('.snippet mark')].map((m) => [m.textContent, m.className]),
  })));
}

function expectedMarks(hit) {
  const chars = Array.from(hit.snippet || '');
  return (hit.highlights || []).map(([a, b, kind]) => [chars.slice(a, b).join(''), `hl hl-${kind || 'hit'}`]);
}

describe('search', () => {
  test('typing a query shows the ranked results with typed words and relatives marked', async () => {
    const want = (await api(server.base, `search?${searchParams('饮水')}`)).body;
    assert.ok(want.hits.length === 10 && want.total > 10, 'the data has more than one page');
    await withPage(async (page) => {
      await page.goto(server.base);
      await page.waitForSelector('.home');
      await page.waitForFunction(() => /\d+ 篇/.test(document.getElementById('health').textContent));
      await shot(page, 'home');
      await search(page, '饮水');
      await page.waitForSelector('.hit');
      const hits = await shownHits(page);
      assert.deepEqual(hits.map((h) => h.id), want.hits.map((h) => h.id), 'best first, as the API ranks them');
      assert.deepEqual(hits.map((h) => h.title), want.hits.map((h) => h.title));
      for (const [k, h] of hits.entries()) {
        assert.equal(h.snippet, want.hits[k].snippet, 'the snippet is shown whole');
        assert.deepEqual(h.marks, expectedMarks(want.hits[k]), `marks of ${h.id}`);
      }
      const kinds = new Set(hits.flatMap((h) => h.marks.map((m) => m[1])));
      if (want.hits.some((h) => (h.highlights || []).some((x) => x.length > 2))) {
        assert.ok(kinds.has('hl hl-relative'), 'relatives are marked');
        assert.ok(kinds.has('hl hl-typed'), 'typed words are marked differently');
      } else {
        assert.ok(kinds.has('hl hl-hit'), 'hits are marked');
      }
      assert.equal(await page.textContent('#total'), String(want.total));
      assert.match(await page.textContent('.elapsed'), /用时 \d+\.\d 毫秒/);
      const first = page.locator('.hit').first();
      assert.match(await first.locator('.meta').textContent(), new RegExp(want.hits[0].author));
      assert.equal(await first.locator('.tag').count(), want.hits[0].tags.length, 'topic chips');
      assert.deepEqual(await hashParams(page), { q: '饮水' }, 'the URL holds the query');
      assert.equal(await page.title(), '饮水 · 蹲点手记检索');
      await shot(page, 'search');
    });
  });

  test('clicking a facet filters the list, the query gains the filter, the chip removes it', async () => {
    const all = (await api(server.base, `search?${searchParams('饮水')}`)).body;
    const value = 'pollution';
    assert.ok(all.facets.topic.some((v) => v.value === value));
    const filtered = (await api(server.base, `search?${searchParams(`饮水 topic:${value}`)}`)).body;
    assert.ok(filtered.total < all.total);
    await withPage(async (page) => {
      await page.goto(`${server.base}#q=${encodeURIComponent('饮水')}`);
      await page.waitForSelector('.hit');
      await page.click(`.facet[data-facet="topic"][data-value="${value}"]`);
      await page.waitForFunction((t) => document.getElementById('total')?.textContent === String(t), filtered.total);
      assert.equal(await page.inputValue('#q'), `饮水 topic:${value}`);
      assert.deepEqual((await shownHits(page)).map((h) => h.id), filtered.hits.map((h) => h.id));
      for (const id of filtered.hits.map((h) => h.id))
        assert.equal(await page.locator(`.hit[data-id="${id}"] .tag[data-topic="${value}"]`).count(), 1, `${id} is tagged ${value}`);
      assert.equal(await page.locator(`.facet.active[data-value="${value}"]`).count(), 1, 'the facet shows as chosen');
      assert.equal(await page.locator(`.chip[data-field="topic"][data-value="${value}"]`).count(), 1);
      await shot(page, 'facet');

      // a county and a month facet add county: and date:
      const county = filtered.facets.county[0].value;
      const both = (await api(server.base, `search?${searchParams(`饮水 topic:${value} county:${county}`)}`)).body;
      await page.click(`.facet[data-facet="county"][data-value="${county}"]`);
      await page.waitForFunction((t) => document.getElementById('total')?.textContent === String(t), both.total);
      assert.equal(await page.inputValue('#q'), `饮水 topic:${value} county:${county}`);
      assert.equal(await page.locator('.chip').count(), 2);

      // removing the chip gives back the list before it
      await page.click(`.chip[data-field="county"]`);
      await page.waitForFunction((q) => document.getElementById('q').value === q, `饮水 topic:${value}`);
      await page.click(`.chip[data-field="topic"]`);
      await page.waitForFunction((t) => document.getElementById('total')?.textContent === String(t), all.total);
      assert.equal(await page.inputValue('#q'), '饮水');
      // and Back returns to the filtered search
      await page.goBack();
      await page.waitForFunction((t) => document.getElementById('total')?.textContent === String(t), filtered.total);
    });
  });

  test('the month facet adds date:YYYY-MM', async () => {
    const all = (await api(server.base, `search?${searchParams('饮水')}`)).body;
    const month = all.facets.month.find((m) => m.value === '2007-03');
    assert.ok(month, 'a March facet');
    await withPage(async (page) => {
      await page.goto(`${server.base}#q=${encodeURIComponent('饮水')}`);
      await page.click('.facet[data-facet="month"][data-value="2007-03"]');
      await page.waitForFunction((t) => document.getElementById('total')?.textContent === String(t), month.count);
      assert.equal(await page.inputValue('#q'), '饮水 date:2007-03');
    });
  });

  test('paging moves through the results and Back returns', async () => {
    const p2 = (await api(server.base, `search?${searchParams('饮水', { offset: '10' })}`)).body;
    await withPage(async (page) => {
      await page.goto(`${server.base}#q=${encodeURIComponent('饮水')}`);
      await page.waitForSelector('.hit');
      const firstPage = (await shownHits(page)).map((h) => h.id);
      await page.click('.pager a.next');
      await page.waitForSelector('.pager .current:text("2")');
      assert.deepEqual((await shownHits(page)).map((h) => h.id), p2.hits.map((h) => h.id));
      assert.equal(await page.getAttribute('.results', 'start'), '11', 'ranks go on from 11');
      assert.deepEqual(await hashParams(page), { q: '饮水', page: '2' });
      await page.click('.pager a[data-page="3"]');
      await page.waitForSelector('.pager .current:text("3")');
      await page.goBack();
      await page.waitForSelector('.pager .current:text("2")');
      await page.goBack();
      await page.waitForSelector('.pager .current:text("1")');
      assert.deepEqual((await shownHits(page)).map((h) => h.id), firstPage);
    });
  });

  test('a bookmarked address opens that page of that search', async () => {
    const p2 = (await api(server.base, `search?${searchParams('饮水', { offset: '10' })}`)).body;
    await withPage(async (page) => {
      await page.goto(`${server.base}#q=${encodeURIComponent('饮水')}&page=2`);
      await page.waitForSelector('.pager .current:text("2")');
      assert.equal(await page.inputValue('#q'), '饮水');
      assert.deepEqual((await shownHits(page)).map((h) => h.id), p2.hits.map((h) => h.id));
      // the same state as a query string
      await page.goto(`${server.base}?q=${encodeURIComponent('饮水')}&page=2`);
      await page.waitForSelector('.pager .current:text("2")');
      assert.deepEqual(await hashParams(page), { q: '饮水', page: '2' });
    });
  });

  test('sorting by date lists the API\'s date order', async () => {
    const byDate = (await api(server.base, `search?${searchParams('饮水', { sort: 'date' })}`)).body;
    await withPage(async (page) => {
      await page.goto(`${server.base}#q=${encodeURIComponent('饮水')}`);
      await page.waitForSelector('.hit');
      await page.selectOption('#sort', 'date');
      await page.waitForFunction(() => location.hash.includes('sort=date'));
      await page.waitForFunction((id) => document.querySelector('.hit')?.dataset.id === id, byDate.hits[0].id);
      assert.deepEqual((await shownHits(page)).map((h) => h.id), byDate.hits.map((h) => h.id));
    });
  });

  test('a malformed query shows the server\'s one-line error', async () => {
    const bad = await api(server.base, `search?${searchParams('饮水 AND (')}`);
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.body.error, 'string');
    await withPage(async (page) => {
      await page.goto(server.base);
      await search(page, '饮水 AND (');
      await page.waitForSelector('.error');
      assert.equal(await page.textContent('.error .error-text'), bad.body.error);
      await shot(page, 'error');
    });
  });
});

describe('note', () => {
  test('opening a result shows the whole note, hit paragraphs marked, numbered, and similar notes', async () => {
    const first = (await api(server.base, `search?${searchParams('饮水')}`)).body.hits[0];
    const note = (await api(server.base, `note/${first.id}?highlight=${encodeURIComponent('饮水')}`)).body;
    const like = (await api(server.base, `search?like=${first.id}&limit=5`)).body;
    const hitParas = note.paragraphs.filter((p) => p.highlights.length).map((p) => String(p.number));
    assert.ok(hitParas.length > 0);
    await withPage(async (page) => {
      await page.goto(`${server.base}#q=${encodeURIComponent('饮水')}`);
      await page.click(`.hit[data-id="${first.id}"] .hit-title a`);
      await page.waitForSelector('.note');
      assert.deepEqual(await hashParams(page), { view: 'note', q: '饮水', id: first.id });
      assert.equal(await page.textContent('.note-title'), note.title);
      assert.deepEqual(await page.$$eval('.para .para-no', (a) => a.map((x) => x.textContent)),
        note.paragraphs.map((p) => String(p.number)), 'every paragraph, numbered');
      assert.deepEqual(await page.$$eval('.para .para-text', (a) => a.map((x) => x.textContent)),
        note.paragraphs.map((p) => p.text), 'the whole text');
      assert.deepEqual(await page.$$eval('.para-hit', (a) => a.map((x) => x.dataset.para)), hitParas);
      const p = note.paragraphs.find((x) => x.highlights.length);
      const chars = Array.from(p.text);
      assert.deepEqual(await page.$$eval(`.para[data-para="${p.number}"] mark`, (m) => m.map((x) => x.textContent)),
        p.highlights.map(([a, b]) => chars.slice(a - p.start, b - p.start).join('')), 'marks at the body offsets');
      const meta = await page.textContent('.note-meta');
      for (const v of [note.author, note.post, note.county, note.village, note.date, note.id]) assert.ok(meta.includes(v), v);
      await page.waitForSelector('.like-list li');
      const likeIds = like.hits.filter((h) => h.id !== first.id).map((h) => h.title);
      assert.deepEqual(await page.$$eval('.like-list li a', (a) => a.map((x) => x.textContent)), likeIds);
      await shot(page, 'note');

      // quoting this note: its passages only, each copied with its citation
      const own = (await api(server.base, `excerpt?q=${encodeURIComponent(`饮水 id:${first.id}`)}&per_note=5&limit=10`)).body;
      await page.click('.quote-link');
      await page.waitForSelector('.passage');
      assert.equal(await page.inputValue('#q'), `饮水 id:${first.id}`);
      assert.deepEqual(await page.$$eval('.excerpt', (x) => x.map((e) => e.dataset.id)), [first.id]);
      assert.equal(await page.locator('.passage').count(), own.excerpts[0].passages.length);
      await page.locator('.passage .copy').last().click();
      await page.waitForSelector('.passage:last-of-type .copy-status.ok');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), own.excerpts[0].passages.at(-1).markdown);

      await page.goBack();
      await page.waitForSelector('.note');
      await page.goBack();
      await page.waitForSelector('.hit');
      assert.equal(await page.inputValue('#q'), '饮水');
    });
  });

  test('an unknown note shows the server\'s 404 message', async () => {
    const r = await api(server.base, 'note/N9999');
    assert.equal(r.status, 404);
    await withPage(async (page) => {
      await page.goto(`${server.base}#view=note&id=N9999`);
      await page.waitForSelector('.error');
      assert.equal(await page.textContent('.error .error-text'), r.body.error);
    });
  });
});

describe('excerpt', () => {
  test('"copy with citation" puts the passage\'s Markdown on the clipboard', async () => {
    const ex = (await api(server.base, `excerpt?q=${encodeURIComponent('饮水')}&per_note=2&limit=10`)).body;
    const passages = ex.excerpts.flatMap((e) => e.passages);
    assert.ok(passages.length > 1 && passages.every((p) => typeof p.markdown === 'string' && p.markdown.includes('— ')));
    await withPage(async (page) => {
      await page.goto(`${server.base}#q=${encodeURIComponent('饮水')}`);
      await page.waitForSelector('.hit');
      await page.click('#tabs a[data-view="excerpt"]');
      await page.waitForSelector('.passage');
      assert.deepEqual(await page.$$eval('.passage blockquote', (b) => b.map((x) => x.textContent)), passages.map((p) => p.text));
      for (const k of [0, 1]) {
        await page.locator('.passage .copy').nth(k).click();
        await page.locator('.passage .copy-status').nth(k).filter({ hasText: '已复制' }).waitFor();
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), passages[k].markdown, `passage ${k + 1}`);
      }
      await shot(page, 'excerpt');
    });
  });
});

describe('hostile notes', () => {
  const TITLE = '<script>window.__xss=1</script>"onerror=&amp;饮水标题';
  test('a note holding <script>, "onerror= and &amp; renders as that text in every view', async () => {
    const res = (await api(server.base, `search?${searchParams('脚本')}`)).body;
    const hit = res.hits.find((h) => h.id === 'X0001');
    assert.ok(hit, 'the XSS note is indexed (tests/browser/xss-note.md)');
    assert.equal(hit.title, TITLE);
    const note = (await api(server.base, `note/X0001?highlight=${encodeURIComponent('脚本')}`)).body;
    await withPage(async (page) => {
      const noMarkup = async () => {
        assert.equal(await page.locator('#main script, #main img, #main iframe').count(), 0, 'no element from note text');
        assert.equal(await page.locator('#main svg[onload], #main [onerror]').count(), 0);
      };
      await page.goto(`${server.base}#q=${encodeURIComponent('脚本')}`);
      await page.waitForSelector('.hit[data-id="X0001"]');
      assert.equal(await page.textContent('.hit[data-id="X0001"] .hit-title a'), TITLE);
      const meta = await page.textContent('.hit[data-id="X0001"] .meta');
      assert.ok(meta.includes(hit.author) && meta.includes(hit.post) && meta.includes(hit.county), meta);
      assert.equal(await page.textContent('.hit[data-id="X0001"] .snippet'), hit.snippet);
      await noMarkup();
      await shot(page, 'xss-search');

      await page.click('.hit[data-id="X0001"] .hit-title a');
      await page.waitForSelector('.note');
      assert.equal(await page.textContent('.note-title'), TITLE);
      assert.deepEqual(await page.$$eval('.para-text', (a) => a.map((x) => x.textContent)), note.paragraphs.map((p) => p.text));
      await noMarkup();
      await shot(page, 'xss-note');

      await page.click('#tabs a[data-view="excerpt"]');
      await page.waitForSelector('.passage');
      assert.equal(await page.textContent('.excerpt .hit-title a'), TITLE);
      await noMarkup();

      await page.click('#tabs a[data-view="report"]');
      await page.waitForSelector('svg.heat-map');
      const labels = await page.$$eval('svg.heat-map text.col-label title', (t) => t.map((x) => x.textContent));
      assert.ok(labels.some((l) => l.startsWith(note.county)), `the county label is text: ${labels}`);
      assert.equal(await page.locator('svg.heat-map rect').count(), 1, 'only the topic with notes');
      await noMarkup();
      await shot(page, 'xss-report');
    });
  });
});

describe('report', () => {
  test('the report draws its bar chart, heat map and recurrence table; a cell lists its notes', async () => {
    const rep = (await api(server.base, 'report?by=county')).body;
    const tagged = rep.matrix.filter((r) => r.count > 0);
    const water = rep.matrix.find((r) => r.topic === 'water');
    const cell = water.cells.find((c) => c.value === '柳浦县');
    assert.ok(cell && cell.count > 0);
    const cellQuery = 'topic:water county:柳浦县';
    const listed = (await api(server.base, `search?${searchParams(cellQuery)}`)).body;
    await withPage(async (page) => {
      await page.goto(server.base);
      await page.waitForSelector('.home');
      await page.click('#tabs a[data-view="report"]');
      await page.waitForSelector('svg.heat-map');
      assert.equal(await page.locator('svg.bar-chart rect').count(), tagged.length, 'one bar per topic');
      assert.equal(await page.locator('svg.heat-map rect').count(), tagged.length * rep.values.length, 'topic × county');
      assert.equal(await page.locator('svg.heat-map a.cell').count(),
        tagged.reduce((n, r) => n + r.cells.filter((c) => c.count > 0).length, 0), 'a link for each cell with notes');
      const bar = await page.$$eval('svg.bar-chart a.bar', (a) => a.map((x) => [x.dataset.topic, x.querySelector('.bar-num').textContent]));
      assert.deepEqual(bar, tagged.slice().sort((a, b) => b.count - a.count).map((r) => [r.topic, String(r.count)]));
      assert.equal(await page.locator('table.recurrence tbody tr').count(), rep.recurrence.filter((r) => r.count > 0).length);
      await shot(page, 'report-county');
      await page.locator('.card:has(svg.heat-map)').screenshot({ path: `${shots}/report-heatmap.png` });

      await page.click('svg.heat-map a.cell[data-topic="water"][data-value="柳浦县"]');
      await page.waitForSelector('.hit');
      assert.equal(await page.inputValue('#q'), cellQuery);
      assert.equal(await page.textContent('#total'), String(cell.count));
      assert.deepEqual((await shownHits(page)).map((h) => h.id).sort(), cell.ids.slice().sort());
      assert.equal(listed.total, cell.count);

      await page.goBack();
      await page.waitForSelector('svg.heat-map');
      await page.click('.by[data-by="month"]');
      await page.waitForFunction(() => location.hash.includes('by=month'));
      const months = (await api(server.base, 'report?by=month')).body;
      await page.waitForFunction((n) => document.querySelectorAll('svg.heat-map rect').length === n,
        months.matrix.filter((r) => r.count > 0).length * months.values.length);
      assert.deepEqual(await page.$$eval('svg.heat-map text.col-label', (t) => t.map((x) => x.firstChild.textContent)),
        months.values.map((v) => v.value).sort());
      await shot(page, 'report-month');
    });
  });

  test('the report of a search is the report of its notes', async () => {
    const rep = (await api(server.base, `report?q=${encodeURIComponent('饮水')}&by=county`)).body;
    await withPage(async (page) => {
      await page.goto(`${server.base}#q=${encodeURIComponent('饮水')}`);
      await page.waitForSelector('.hit');
      await page.click('#tabs a[data-view="report"]');
      await page.waitForSelector('svg.bar-chart');
      assert.match(await page.textContent('.report-head'), new RegExp(`${rep.notes} 篇手记`));
      assert.deepEqual(await hashParams(page), { view: 'report', q: '饮水' });
    });
  });
});
