/* app.js - dundian's web page: search, note, excerpt and report views drawn
 * from the JSON API (issue 10).
 *
 * The whole state lives in the URL's hash (#q=…&page=2&sort=date&view=note&id=N0001),
 * so a search can be bookmarked and shared and Back works; every change of
 * view is a change of hash, and render() draws the page from the hash alone.
 *
 * Every field of a note is untrusted: text reaches the DOM only through
 * textContent and createElement, never innerHTML, and links are built from
 * our own hashes with encodeURIComponent.
 */
'use strict';

(function () {
  const PAGE_SIZE = 10;
  const FACETS = 'topic,county,month';
  const FACET_SHOWN = 8; // values per facet before "more"
  const SVG = 'http://www.w3.org/2000/svg';
  const FIELD_LABEL = {
    topic: '主题', county: '县', city: '市', township: '乡镇', village: '村',
    author: '作者', post: '职务', id: '编号', date: '日期',
  };
  const VIEWS = ['search', 'note', 'excerpt', 'report', 'help'];

  let topicNames = {}; // topic key -> name, from /api/topics
  let renderSeq = 0;   // a later render makes an earlier one's answers stale

  /* ---- DOM helpers: text only through textContent ---- */

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    append(e, children);
    return e;
  }

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    append(e, children);
    return e;
  }

  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, String(v));
    }
  }

  function append(parent, children) {
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /* Text with its highlight spans marked: spans are [start, end] or
   * [start, end, "typed"|"relative"|"literal"] in code points, counted from
   * `base` (a passage's or paragraph's offset in the note body). */
  function marked(text, spans, base) {
    const chars = Array.from(text || '');
    const frag = document.createDocumentFragment();
    const list = (Array.isArray(spans) ? spans : [])
      .filter((s) => Array.isArray(s) && s.length >= 2)
      .map((s) => [Number(s[0]) - (base || 0), Number(s[1]) - (base || 0), s[2]])
      .filter((s) => Number.isInteger(s[0]) && Number.isInteger(s[1]) && s[0] >= 0 && s[1] > s[0] && s[1] <= chars.length)
      .sort((a, b) => a[0] - b[0]);
    let pos = 0;
    for (const [start, end, kind] of list) {
      if (start < pos) continue; // overlapping: the first one wins
      if (start > pos) frag.appendChild(document.createTextNode(chars.slice(pos, start).join('')));
      const k = ['typed', 'relative', 'literal'].includes(kind) ? kind : 'hit';
      frag.appendChild(el('mark', { class: `hl hl-${k}`, title: MARK_TITLE[k], text: chars.slice(start, end).join('') }));
      pos = end;
    }
    if (pos < chars.length) frag.appendChild(document.createTextNode(chars.slice(pos).join('')));
    return frag;
  }
  const MARK_TITLE = { typed: '检索词', relative: '相关词', literal: '精确匹配', hit: '命中' };

  /* ---- state in the hash ---- */

  function readState() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ''));
    const view = VIEWS.includes(p.get('view')) ? p.get('view') : 'search';
    const page = Math.max(1, parseInt(p.get('page') || '1', 10) || 1);
    return {
      view,
      q: (p.get('q') || '').trim(),
      page,
      sort: p.get('sort') === 'date' ? 'date' : 'relevance',
      id: p.get('id') || '',
      by: p.get('by') === 'month' ? 'month' : 'county',
    };
  }

  /* The hash for a state, defaults left out so URLs stay short. */
  function hashOf(s) {
    const p = new URLSearchParams();
    if (s.view && s.view !== 'search') p.set('view', s.view);
    if (s.q) p.set('q', s.q);
    if (s.page && s.page > 1) p.set('page', String(s.page));
    if (s.sort === 'date') p.set('sort', 'date');
    if (s.id) p.set('id', s.id);
    if (s.by === 'month') p.set('by', 'month');
    const h = p.toString();
    return h ? `#${h}` : '#';
  }

  function link(s) {
    return hashOf({ view: 'search', ...s });
  }

  function go(s) {
    const h = hashOf(s);
    if (h === (location.hash || '#')) render();
    else location.hash = h;
  }

  /* ---- the query's filters, shown as chips ---- */

  const FILTER_RE = /(^|\s)(topic|county|city|township|village|author|post|id|date):("[^"]*"|[^\s()"]+)/g;

  function filtersOf(q) {
    const out = [];
    for (const m of q.matchAll(FILTER_RE)) {
      const value = m[3].replace(/^"(.*)"$/, '$1');
      out.push({ field: m[2], value, token: `${m[2]}:${m[3]}` });
    }
    return out;
  }

  function filterToken(field, value) {
    return /[\s()"]/.test(value) && !value.includes('"') ? `${field}:"${value}"` : `${field}:${value}`;
  }

  function hasFilter(q, field, value) {
    return filtersOf(q).some((f) => f.field === field && f.value === value);
  }

  function addFilter(q, field, value) {
    if (hasFilter(q, field, value)) return q;
    return `${q} ${filterToken(field, value)}`.trim();
  }

  function removeFilter(q, field, value) {
    let out = q;
    for (const f of filtersOf(q)) {
      if (f.field === field && f.value === value) {
        out = out.replace(new RegExp(`(^|\\s)${escapeRe(f.token)}(?=\\s|$)`), ' ');
      }
    }
    return out.replace(/\s+/g, ' ').trim();
  }

  function escapeRe(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  function filterLabel(field, value) {
    const v = field === 'topic' ? topicNames[value] || value : value;
    return `${FIELD_LABEL[field] || field}：${v}`;
  }

  /* ---- the API ---- */

  class ApiError extends Error {}

  async function api(path, params) {
    const qs = params ? `?${new URLSearchParams(params).toString()}` : '';
    let res;
    try {
      res = await fetch(`api/${path}${qs}`, { headers: { Accept: 'application/json' } });
    } catch (e) {
      throw new ApiError('无法连接检索服务');
    }
    let body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = null;
    }
    if (!res.ok) {
      const msg = body && typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
      throw new ApiError(msg);
    }
    if (body === null) throw new ApiError('检索服务的回答无法读取');
    return body;
  }

  function errorBox(message) {
    return el('div', { class: 'error', role: 'alert' },
      el('strong', { text: '出错了：' }), el('span', { class: 'error-text', text: message }));
  }

  /* ---- shared pieces ---- */

  function place(o) {
    return [o.city, o.county, o.township, o.village].filter(Boolean).join('');
  }

  function metaLine(o) {
    const author = [o.author, o.post].filter(Boolean).join(' ');
    return el('div', { class: 'meta' },
      author && el('span', { class: 'meta-author', text: author }),
      place(o) && el('span', { class: 'meta-place', text: place(o) }),
      o.date && el('time', { class: 'meta-date', text: o.date }));
  }

  function tagChips(tags, q) {
    if (!Array.isArray(tags) || !tags.length) return null;
    return el('div', { class: 'tags' }, tags.map((t) => {
      const name = t.name || topicNames[t.key] || t.key;
      return el('a', {
        class: `tag${t.manual ? ' tag-manual' : ''}`,
        href: link({ q: addFilter(q || '', 'topic', t.key) }),
        title: t.manual ? '人工标注' : Number.isFinite(Number(t.score)) ? `置信度 ${Number(t.score).toFixed(2)}` : null,
        'data-topic': t.key,
      }, name, t.manual ? el('span', { class: 'tag-flag', text: '人工' }) : null);
    }));
  }

  /* The legend of the marks, when the spans say which kind each is. */
  function legend(spanLists) {
    const kinds = (spanLists || []).some((l) => Array.isArray(l) && l.some((x) => Array.isArray(x) && typeof x[2] === 'string'));
    if (!kinds) return null;
    return el('span', { class: 'legend' },
      el('mark', { class: 'hl hl-typed', text: '检索词' }),
      el('mark', { class: 'hl hl-relative', text: '相关词' }),
      el('mark', { class: 'hl hl-literal', text: '精确匹配' }));
  }

  function loading(main, text) {
    clear(main);
    main.appendChild(el('div', { class: 'loading', text }));
  }

  /* Shows `text` while request() runs, then the API's answer with the main
   * area cleared, or null when it failed (the error shown after before()'s
   * nodes) or a later render took over. */
  async function load(main, seq, text, request, before) {
    loading(main, text);
    let o;
    try {
      o = await request();
    } catch (e) {
      if (seq === renderSeq) {
        clear(main);
        main.append(...(before ? before() : []), errorBox(e.message));
      }
      return null;
    }
    if (seq !== renderSeq) return null;
    clear(main);
    return o;
  }

  /* ---- view: search results ---- */

  async function viewSearch(main, s, seq) {
    if (!s.q) return viewHome(main, seq);
    const o = await load(main, seq, '正在检索…', () => api('search', {
      q: s.q, limit: PAGE_SIZE, offset: (s.page - 1) * PAGE_SIZE, sort: s.sort, facets: FACETS,
    }), () => [chipsBar(s)]);
    if (!o) return;
    const hits = Array.isArray(o.hits) ? o.hits : [];
    const total = Number(o.total) || 0;
    main.appendChild(chipsBar(s));
    main.appendChild(el('div', { class: 'layout' },
      facetsPanel(o.facets || {}, s),
      el('section', { class: 'results-col' },
        summaryBar(o, s, total),
        didYouMean(o, s),
        hits.length ? el('ol', { class: 'results', start: (s.page - 1) * PAGE_SIZE + 1 }, hits.map((h) => hitItem(h, s)))
          : el('p', { class: 'empty', text: '没有找到相符的手记。试试更少的词，或去掉一些筛选条件。' }),
        pager(total, s))));
  }

  /* "Did you mean": the corrected query as a link (same view), or the
   * server's hint alone (values a filter may have been meant as). */
  function didYouMean(o, s) {
    if (typeof o.suggestion === 'string' && o.suggestion) {
      return el('p', { class: 'suggestion', id: 'suggestion' }, '您是不是要找：',
        el('a', { href: link({ view: s.view, q: o.suggestion }), text: o.suggestion }));
    }
    if (typeof o.hint === 'string' && o.hint) return el('p', { class: 'suggestion', id: 'suggestion', text: o.hint });
    return null;
  }

  function summaryBar(o, s, total) {
    const ms = Number(o.elapsed_ms);
    return el('div', { class: 'summary' },
      el('span', { class: 'total' }, '共 ', el('b', { id: 'total', text: total }), ' 篇'),
      Number.isFinite(ms) ? el('span', { class: 'elapsed', text: `用时 ${ms.toFixed(1)} 毫秒` }) : null,
      legend((o.hits || []).map((h) => h.highlights)),
      el('label', { class: 'sort' }, '排序 ', sortSelect(s)));
  }

  function sortSelect(s) {
    const sel = el('select', { id: 'sort', 'aria-label': '排序' },
      el('option', { value: 'relevance', text: '按相关度' }),
      el('option', { value: 'date', text: '按日期' }));
    sel.value = s.sort;
    sel.addEventListener('change', () => go({ ...s, sort: sel.value, page: 1 }));
    return sel;
  }

  function hitItem(h, s) {
    return el('li', { class: 'hit', 'data-id': h.id },
      el('h3', { class: 'hit-title' },
        el('a', { href: link({ view: 'note', id: h.id, q: s.q }), text: h.title || h.id }),
        el('span', { class: 'hit-id', text: h.id })),
      metaLine(h),
      h.snippet ? el('p', { class: 'snippet' }, marked(h.snippet, h.highlights, 0)) : null,
      tagChips(h.tags, s.q));
  }

  function pager(total, s) {
    const pages = Math.ceil(total / PAGE_SIZE);
    if (pages <= 1) return null;
    const nav = el('nav', { class: 'pager', 'aria-label': '翻页' });
    const item = (page, label, cls) => page === s.page || page < 1 || page > pages
      ? el('span', { class: `page ${cls || ''} ${page === s.page && !cls ? 'current' : 'disabled'}`, text: label })
      : el('a', { class: `page ${cls || ''}`, href: link({ ...s, page }), 'data-page': page, text: label });
    nav.appendChild(item(s.page - 1, '‹ 上一页', 'prev'));
    const shown = new Set([1, pages]);
    for (let p = s.page - 2; p <= s.page + 2; p++) if (p >= 1 && p <= pages) shown.add(p);
    let last = 0;
    for (const p of [...shown].sort((a, b) => a - b)) {
      if (p > last + 1) nav.appendChild(el('span', { class: 'page gap', text: '…' }));
      nav.appendChild(item(p, String(p)));
      last = p;
    }
    nav.appendChild(item(s.page + 1, '下一页 ›', 'next'));
    return nav;
  }

  function chipsBar(s) {
    const filters = filtersOf(s.q);
    if (!filters.length) return el('div', { class: 'chips empty-chips' });
    return el('div', { class: 'chips', 'aria-label': '筛选条件' },
      el('span', { class: 'chips-label', text: '筛选' }),
      filters.map((f) => el('a', {
        class: 'chip', href: link({ ...s, page: 1, q: removeFilter(s.q, f.field, f.value) }),
        title: '去掉此条件', 'data-field': f.field, 'data-value': f.value,
      }, el('span', { text: filterLabel(f.field, f.value) }), el('span', { class: 'chip-x', 'aria-hidden': 'true', text: '×' }))));
  }

  function facetsPanel(facets, s) {
    const groups = [
      ['topic', '主题', 'topic'],
      ['county', '县（区、市）', 'county'],
      ['month', '月份', 'date'],
    ];
    return el('aside', { class: 'facets', 'aria-label': '分面筛选' }, groups.map(([name, title, field]) => {
      const values = Array.isArray(facets[name]) ? facets[name] : [];
      if (!values.length) return null;
      const list = el('ul', { class: 'facet-list' });
      values.forEach((v, i) => {
        const value = String(v.value);
        const active = hasFilter(s.q, field, value);
        const label = name === 'topic' ? v.name || topicNames[value] || value : value;
        const q = active ? removeFilter(s.q, field, value) : addFilter(s.q, field, value);
        list.appendChild(el('li', { class: i >= FACET_SHOWN ? 'facet-more' : null },
          el('a', {
            class: `facet${active ? ' active' : ''}`, href: link({ ...s, page: 1, q }),
            'data-facet': name, 'data-value': value, title: active ? '去掉此条件' : '只看这些',
          }, el('span', { class: 'facet-name', text: label }), el('span', { class: 'facet-count', text: v.count }))));
      });
      const box = el('section', { class: 'facet-group', 'data-facet': name }, el('h4', { text: title }), list);
      if (values.length > FACET_SHOWN) {
        const more = el('button', { type: 'button', class: 'facet-toggle', text: `更多（${values.length - FACET_SHOWN}）` });
        more.addEventListener('click', () => {
          const open = box.classList.toggle('open');
          more.textContent = open ? '收起' : `更多（${values.length - FACET_SHOWN}）`;
        });
        box.appendChild(more);
      }
      return box;
    }));
  }

  /* ---- view: home (no query yet) ---- */

  function viewHome(main) {
    clear(main);
    const ex = (q, what) => el('li', {}, el('a', { href: link({ q }), text: q }), el('span', { class: 'ex-what', text: what }));
    main.appendChild(el('section', { class: 'home' },
      el('h1', { text: '蹲点手记全文检索' }),
      el('p', { class: 'lead', text: '县委、市委书记在村里蹲点一周写下的手记：饮水、道路、合作医疗、宅基地、污染、养老……输入检索词查找，按主题、县、月份筛选，阅读全文，复制带出处的引文，或查看分析报告。' }),
      el('ul', { class: 'examples' },
        ex('饮水', '也找到 吃水、自来水、供水'),
        ex('合作医疗 报销', '两个词都有的排在前面'),
        ex('"镇里"', '精确字串'),
        ex('宅基地 AND (建房 OR 审批) -城中村', '布尔检索'),
        ex('修路 county:石林县', '按县筛选'),
        ex('topic:water date:2007-04', '按主题和月份')),
      el('p', {}, el('a', { href: '#view=report', text: '查看全部手记的主题分析报告 →' }))));
  }

  /* ---- view: one note ---- */

  async function viewNote(main, s, seq) {
    if (!s.id) {
      clear(main);
      main.appendChild(errorBox('没有指定手记编号'));
      return;
    }
    const n = await load(main, seq, '正在打开手记…',
      () => api(`note/${encodeURIComponent(s.id)}`, s.q ? { highlight: s.q } : null), () => [backLink(s)]);
    if (!n) return;
    document.title = `${n.title || n.id} · 蹲点手记检索`;
    const paras = Array.isArray(n.paragraphs) ? n.paragraphs : [];
    const body = el('div', { class: 'note-body' });
    let firstHit = null;
    for (const p of paras) {
      const hit = Array.isArray(p.highlights) && p.highlights.length > 0;
      const para = el('div', { class: `para${hit ? ' para-hit' : ''}`, id: `p${p.number}`, 'data-para': p.number },
        el('a', { class: 'para-no', href: `#${new URLSearchParams({ view: 'note', id: n.id, ...(s.q ? { q: s.q } : {}) })}`, title: `第${p.number}段`, text: p.number }),
        el('p', { class: 'para-text' }, marked(p.text, p.highlights, Number(p.start) || 0)));
      para.querySelector('.para-no').addEventListener('click', (ev) => {
        ev.preventDefault();
        para.scrollIntoView({ block: 'center' });
      });
      if (hit && !firstHit) firstHit = para;
      body.appendChild(para);
    }
    const hits = paras.filter((p) => Array.isArray(p.highlights) && p.highlights.length).length;
    const like = el('section', { class: 'like' }, el('h4', { text: '相似手记' }), el('div', { class: 'loading small', text: '…' }));
    main.appendChild(el('div', { class: 'note-layout' },
      el('article', { class: 'note', 'data-id': n.id },
        backLink(s),
        el('h1', { class: 'note-title', text: n.title || n.id }),
        el('dl', { class: 'note-meta' },
          metaRow('作者', [n.author, n.post].filter(Boolean).join('，')),
          metaRow('地点', place(n)),
          metaRow('日期', n.date),
          metaRow('编号', n.id),
          metaRow('段落', `${n.paragraph_count || paras.length} 段${s.q ? `，${hits} 段命中` : ''}`)),
        tagChips(n.tags, ''),
        s.q ? el('p', { class: 'note-hl' }, '标出：', el('b', { text: s.q }), ' ', legend(paras.map((p) => p.highlights)), ' ',
          el('a', { href: hashOf({ view: 'note', id: n.id }), text: '不标出' }), el('span', { class: 'sep', text: '·' }),
          el('a', { class: 'quote-link', href: hashOf({ view: 'excerpt', q: addFilter(s.q, 'id', n.id) }), text: '摘录本篇（可复制引文）' })) : null,
        body),
      like));
    if (firstHit) firstHit.scrollIntoView({ block: 'center' });
    else window.scrollTo(0, 0);
    fillLike(like, n.id, seq);
  }

  function metaRow(label, value) {
    if (!value) return null;
    return el('div', { class: 'meta-row' }, el('dt', { text: label }), el('dd', { text: value }));
  }

  function backLink(s) {
    return s.q ? el('a', { class: 'back', href: link({ q: s.q }), text: `← 返回“${s.q}”的检索结果` })
      : el('a', { class: 'back', href: '#', text: '← 返回检索' });
  }

  async function fillLike(box, id, seq) {
    let o;
    try {
      o = await api('search', { like: id, limit: 5 });
    } catch (e) {
      if (seq !== renderSeq) return;
      box.replaceChild(el('p', { class: 'muted', text: e.message }), box.lastChild);
      return;
    }
    if (seq !== renderSeq) return;
    const hits = (o.hits || []).filter((h) => h.id !== id);
    box.replaceChild(hits.length ? el('ol', { class: 'like-list' }, hits.map((h) => el('li', {},
      el('a', { href: link({ view: 'note', id: h.id }), text: h.title || h.id }),
      el('div', { class: 'like-meta', text: [h.county, h.date].filter(Boolean).join(' · ') }))))
      : el('p', { class: 'muted', text: '没有相似的手记' }), box.lastChild);
  }

  /* ---- view: excerpts for editors ---- */

  async function viewExcerpt(main, s, seq) {
    if (!s.q) {
      clear(main);
      main.appendChild(el('p', { class: 'empty', text: '输入检索词，这里列出每篇相符手记中最好的段落，每段都能连同出处复制。' }));
      return;
    }
    // one note asked for by id: more of its passages
    const perNote = filtersOf(s.q).some((f) => f.field === 'id') ? 5 : 2;
    const o = await load(main, seq, '正在摘录…', () => api('excerpt', { q: s.q, per_note: perNote, limit: 10 }));
    if (!o) return;
    const notes = Array.isArray(o.excerpts) ? o.excerpts : [];
    main.appendChild(el('div', { class: 'summary' },
      el('span', { class: 'total' }, '共 ', el('b', { text: Number(o.total) || 0 }), ' 篇相符，摘录前 ', el('b', { text: notes.length }), ' 篇'),
      el('span', { class: 'muted', text: '“复制引文”复制 Markdown 格式的段落和出处' }),
      legend(notes.flatMap((e) => (e.passages || []).map((p) => p.highlights)))));
    const hint = didYouMean(o, s);
    if (hint) main.appendChild(hint);
    if (!notes.length) main.appendChild(el('p', { class: 'empty', text: '没有可摘录的段落。' }));
    for (const e of notes) {
      main.appendChild(el('section', { class: 'excerpt', 'data-id': e.id },
        el('h3', { class: 'hit-title' }, el('a', { href: link({ view: 'note', id: e.id, q: s.q }), text: e.title || e.id }),
          el('span', { class: 'hit-id', text: e.id })),
        metaLine(e),
        (e.passages || []).map((p) => passage(e, p, s))));
    }
  }

  function passage(e, p, s) {
    const status = el('span', { class: 'copy-status', role: 'status' });
    const btn = el('button', { type: 'button', class: 'copy', text: '复制引文' });
    btn.addEventListener('click', async () => {
      const ok = await copyText(String(p.markdown || ''));
      status.textContent = ok ? '已复制（Markdown，含出处）' : '复制失败，请手动选取';
      status.className = `copy-status ${ok ? 'ok' : 'bad'}`;
    });
    if (typeof p.markdown !== 'string') btn.disabled = true;
    return el('figure', { class: 'passage', 'data-para': p.paragraph },
      el('blockquote', {}, marked(p.text, p.highlights, Number(p.start) || 0)),
      el('figcaption', {},
        el('a', { href: link({ view: 'note', id: e.id, q: s.q }), text: `第${p.paragraph}段` }),
        el('span', { class: 'muted', text: ` · 字 ${p.start}–${p.end}` }),
        btn, status));
  }

  /* The clipboard API needs a secure context (loopback is one); elsewhere
   * fall back to a selected text area. */
  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (e) { /* fall through */ }
    const ta = el('textarea', { class: 'offscreen', readonly: 'readonly' });
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    ta.remove();
    return ok;
  }

  /* ---- view: the analysts' report ---- */

  async function viewReport(main, s, seq) {
    const o = await load(main, seq, '正在统计…', () => api('report', { q: s.q, by: s.by }));
    if (!o) return;
    const field = s.by === 'month' ? 'date' : 'county';
    const byName = s.by === 'month' ? '月份' : '县';
    const matrix = (Array.isArray(o.matrix) ? o.matrix : []).slice().sort((a, b) => b.count - a.count);
    const values = (Array.isArray(o.values) ? o.values : []).slice();
    if (s.by === 'month') values.sort((a, b) => String(a.value).localeCompare(String(b.value)));
    else values.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value), 'zh'));
    const cellQuery = (topic, value) => {
      let q = addFilter(s.q, 'topic', topic);
      if (value !== undefined) q = addFilter(q, field, value);
      return q;
    };

    const toggle = el('div', { class: 'by-toggle', role: 'group', 'aria-label': '交叉维度' },
      ['county', 'month'].map((by) => el('a', {
        class: `by${s.by === by ? ' active' : ''}`, href: hashOf({ ...s, view: 'report', by, page: 1 }), 'data-by': by,
        text: by === 'month' ? '主题 × 月份' : '主题 × 县',
      })));
    main.appendChild(el('div', { class: 'report-head' },
      el('h1', { text: s.q ? `“${s.q}”的主题分析` : '全部手记的主题分析' }),
      el('p', { class: 'muted' }, `${Number(o.notes) || 0} 篇手记`,
        o.untagged && o.untagged.count ? `，其中 ${o.untagged.count} 篇未归入任何主题` : '',
        '。点击图中的条形或格子，列出其中的手记。'),
      toggle));

    main.appendChild(el('section', { class: 'card' }, el('h2', { text: '各主题手记数' }), barChart(matrix, cellQuery)));
    main.appendChild(el('section', { class: 'card' },
      el('h2', { text: `主题 × ${byName}` }),
      values.length > 40 ? el('p', { class: 'muted small', text: `共 ${values.length} 个${byName}，左右滚动查看；按手记数从多到少排列。` }) : null,
      el('div', { class: 'heat-scroll' }, heatMap(matrix, values, cellQuery, byName))));
    main.appendChild(el('section', { class: 'card' }, el('h2', { text: '反复出现的主题' }), recurrenceTable(o.recurrence, cellQuery)));
    if (Array.isArray(o.cooccurrence) && o.cooccurrence.length) {
      main.appendChild(el('section', { class: 'card' }, el('h2', { text: '同篇并提的主题（前 15）' }), pairsTable(o.cooccurrence.slice(0, 15), s)));
    }
  }

  function barChart(matrix, cellQuery) {
    const rows = matrix.filter((r) => r.count > 0);
    const max = Math.max(1, ...rows.map((r) => r.count));
    const labelW = 150, barW = 520, rowH = 24, numW = 50;
    const width = labelW + barW + numW, height = rows.length * rowH + 4;
    const chart = svg('svg', {
      class: 'chart bar-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': '各主题手记数',
    });
    rows.forEach((r, i) => {
      const y = i * rowH + 2, w = Math.max(2, Math.round((r.count / max) * barW));
      const name = r.name || topicNames[r.topic] || r.topic;
      chart.appendChild(svg('a', { href: link({ q: cellQuery(r.topic) }), class: 'bar', 'data-topic': r.topic },
        svg('title', { text: `${name}：${r.count} 篇` }),
        svg('text', { x: labelW - 8, y: y + rowH / 2, class: 'bar-label', 'text-anchor': 'end', 'dominant-baseline': 'central', text: name }),
        svg('rect', { x: labelW, y: y + 3, width: w, height: rowH - 6, rx: 2, class: 'bar-rect' }),
        svg('text', { x: labelW + w + 6, y: y + rowH / 2, class: 'bar-num', 'dominant-baseline': 'central', text: r.count })));
    });
    return chart;
  }

  function heatMap(matrix, values, cellQuery, byName) {
    const rows = matrix.filter((r) => r.count > 0);
    const cols = values;
    const longest = Math.min(6, Math.max(1, ...cols.map((c) => Array.from(String(c.value)).length)));
    const narrow = cols.length > 12, cell = narrow ? 22 : 64, rowH = narrow ? 22 : 30, labelW = 150, headH = narrow ? 14 + 13 * longest : 28;
    const width = labelW + cols.length * cell + 2, height = headH + rows.length * rowH + 2;
    let max = 1;
    const counts = rows.map((r) => {
      const m = new Map((r.cells || []).map((c) => [String(c.value), Number(c.count) || 0]));
      for (const v of m.values()) max = Math.max(max, v);
      return m;
    });
    const chart = svg('svg', {
      class: 'chart heat-map', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `主题 × ${byName}`,
    });
    cols.forEach((c, j) => {
      const x = labelW + j * cell + cell / 2;
      const attrs = narrow
        ? { x, y: 4, class: 'col-label vertical', 'writing-mode': 'tb', 'text-anchor': 'start' }
        : { x, y: headH - 8, class: 'col-label', 'text-anchor': 'middle' };
      const text = fitLabel(String(c.value), narrow ? 6 * 13 : cell - 4);
      chart.appendChild(svg('text', { ...attrs, text }, svg('title', { text: `${c.value}：${c.count} 篇` })));
    });
    rows.forEach((r, i) => {
      const y = headH + i * rowH;
      const name = r.name || topicNames[r.topic] || r.topic;
      chart.appendChild(svg('a', { href: link({ q: cellQuery(r.topic) }) },
        svg('text', { x: labelW - 8, y: y + rowH / 2, class: 'row-label', 'text-anchor': 'end', 'dominant-baseline': 'central', text: name })));
      cols.forEach((c, j) => {
        const n = counts[i].get(String(c.value)) || 0;
        const x = labelW + j * cell;
        const rect = svg('rect', {
          x: x + 1, y: y + 1, width: cell - 2, height: rowH - 2, rx: 2,
          class: n ? 'heat-cell' : 'heat-cell zero', fill: n ? heatColour(n / max) : null,
        }, svg('title', { text: `${name} × ${c.value}：${n} 篇` }));
        if (!n) {
          chart.appendChild(rect);
          return;
        }
        const a = svg('a', { href: link({ q: cellQuery(r.topic, String(c.value)) }), class: 'cell', 'data-topic': r.topic, 'data-value': c.value }, rect);
        if (!narrow) {
          a.appendChild(svg('text', {
            x: x + cell / 2, y: y + rowH / 2, class: `cell-num${n / max > 0.55 ? ' on-dark' : ''}`,
            'text-anchor': 'middle', 'dominant-baseline': 'central', text: n,
          }));
        }
        chart.appendChild(a);
      });
    });
    return chart;
  }

  /* label cut to about `width` pixels at 12-13 px (a CJK character is
   * about 13 px wide, others about 7), with … when cut. */
  function fitLabel(label, width) {
    const chars = Array.from(label);
    const w = (c) => (c.codePointAt(0) > 0x2e80 ? 13 : 7);
    let used = 0, n = 0;
    while (n < chars.length && used + w(chars[n]) <= width) used += w(chars[n++]);
    if (n === chars.length) return label;
    while (n > 0 && used + 13 > width) used -= w(chars[--n]);
    return `${chars.slice(0, n).join('')}…`;
  }

  /* From pale to deep teal as the share of the busiest cell grows. */
  function heatColour(t) {
    const a = [224, 242, 241], b = [0, 105, 92];
    const k = Math.sqrt(Math.min(1, Math.max(0, t)));
    const c = a.map((v, i) => Math.round(v + (b[i] - v) * k));
    return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  }

  function recurrenceTable(rec, cellQuery) {
    const rows = (Array.isArray(rec) ? rec : []).filter((r) => r.count > 0);
    return el('table', { class: 'table recurrence' },
      el('thead', {}, el('tr', {}, ['名次', '主题', '县数', '月数', '篇数'].map((h, i) => el('th', { class: i === 1 ? null : 'num', text: h })))),
      el('tbody', {}, rows.map((r) => el('tr', {},
        el('td', { class: 'num', text: r.rank }),
        el('td', {}, el('a', { href: link({ q: cellQuery(r.topic) }), text: r.name || topicNames[r.topic] || r.topic })),
        el('td', { class: 'num', text: r.counties }),
        el('td', { class: 'num', text: r.months }),
        el('td', { class: 'num', text: r.count })))));
  }

  function pairsTable(pairs, s) {
    return el('table', { class: 'table pairs' },
      el('thead', {}, el('tr', {}, ['主题', '与', '篇数', '提升度'].map((h, i) => el('th', { class: i >= 2 ? 'num' : null, text: h })))),
      el('tbody', {}, pairs.map((p) => {
        const [a, b] = p.topics || [];
        const [na, nb] = p.names || [];
        const q = addFilter(addFilter(s.q, 'topic', a), 'topic', b);
        return el('tr', {},
          el('td', { text: na || a }), el('td', { text: nb || b }),
          el('td', { class: 'num' }, el('a', { href: link({ q }), text: p.count })),
          el('td', { class: 'num', text: Number(p.lift).toFixed(2) }));
      })));
  }

  /* ---- view: the query language ---- */

  function viewHelp(main) {
    clear(main);
    const row = (form, meaning) => el('tr', {}, el('td', {}, el('code', { text: form })), el('td', { text: meaning }));
    main.appendChild(el('section', { class: 'card help' },
      el('h1', { text: '检索语法' }),
      el('table', { class: 'table' }, el('tbody', {},
        row('饮水 自来水', '词：含词越多排名越前，不要求全有；每个词也找它的相关词（如 吃水、供水），权重较低'),
        row('"镇里"', '精确字串，不论分词'),
        row('a AND b, a OR b, NOT a, -a, ( )', '布尔检索：NOT 最紧，其次 AND，再次 OR'),
        row('county:石林县  city:  township:  village:  author:  post:  id:', '按元数据筛选'),
        row('topic:water', '按主题筛选（主题键见左侧分面）'),
        row('date:2007-04-09  date:2007-04  date:2007-03-01..2007-03-31', '按日期筛选，区间的任一端可空'))),
      el('p', { class: 'muted', text: '标记：检索词、相关词和精确字串以不同颜色标出。键盘：按 / 跳到检索框。' })));
  }

  /* ---- the page ---- */

  function render() {
    const s = readState();
    const seq = ++renderSeq;
    const main = document.getElementById('main');
    const input = document.getElementById('q');
    if (document.activeElement !== input || input.value.trim() !== s.q) input.value = s.q;
    document.title = s.q ? `${s.q} · 蹲点手记检索` : '蹲点手记检索 · dundian';
    for (const a of document.querySelectorAll('#tabs a[data-view]')) {
      const v = a.getAttribute('data-view');
      a.setAttribute('href', hashOf({ view: v, q: s.q, by: s.by }));
      a.classList.toggle('active', v === s.view || (v === 'search' && s.view === 'note'));
    }
    document.body.setAttribute('data-view', s.view);
    if (s.view !== 'note') window.scrollTo(0, 0);
    const views = { search: viewSearch, note: viewNote, excerpt: viewExcerpt, report: viewReport, help: viewHelp };
    return Promise.resolve(views[s.view](main, s, seq)).catch((e) => {
      if (seq !== renderSeq) return;
      clear(main);
      main.appendChild(errorBox(e && e.message ? e.message : String(e)));
    });
  }

  async function loadTopics() {
    try {
      const list = await api('topics');
      if (Array.isArray(list)) for (const t of list) if (t && t.key) topicNames[t.key] = String(t.name || t.key);
    } catch (e) { /* names fall back to keys */ }
  }

  async function loadHealth() {
    try {
      const h = await api('health');
      document.getElementById('health').textContent = `dundian · 索引中 ${Number(h.notes) || 0} 篇手记`;
    } catch (e) {
      document.getElementById('health').textContent = `dundian · ${e.message}`;
    }
  }

  function start() {
    // an address with the state in its query string (/?q=饮水, as a plain
    // form would send it) is the same as the hash form
    if (location.search && !location.hash) {
      const p = new URLSearchParams(location.search);
      if (p.has('q') || p.has('view')) {
        history.replaceState(null, '', `${location.pathname}#${p.toString()}`);
      }
    }
    document.getElementById('search-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const q = document.getElementById('q').value.trim();
      const s = readState();
      const view = s.view === 'excerpt' || s.view === 'report' ? s.view : 'search';
      go({ view, q, sort: s.sort, by: s.by, page: 1 });
    });
    document.addEventListener('keydown', (ev) => {
      const t = ev.target;
      if (ev.key === '/' && !(t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement)) {
        ev.preventDefault();
        document.getElementById('q').focus();
      }
    });
    window.addEventListener('hashchange', render);
    loadHealth();
    loadTopics().then(render);
  }

  start();
}());
