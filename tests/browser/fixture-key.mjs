// fixture-key.mjs - the one name a request to the /api/ endpoints is stored
// under, shared by the fixture capture (capture-fixtures.mjs) and the
// fixture server (fixture-server.mjs), so both agree whatever order or
// defaults the page uses for its parameters.

// Defaults the real server applies; a parameter left at its default and one
// left out are the same request.
const DEFAULTS = {
  '/api/search': { limit: '10', offset: '0', sort: 'relevance', q: '', facets: '', like: '' },
  '/api/excerpt': { per_note: '2', limit: '10', q: '' },
  '/api/report': { by: 'county', q: '' },
  '/api/note': { highlight: '' },
};

export function endpointOf(pathname) {
  return pathname.startsWith('/api/note/') ? '/api/note' : pathname;
}

// "GET /api/search?facets=topic&limit=10&q=饮水" with parameters sorted and
// defaults filled in, empty values dropped.
export function fixtureKey(pathname, params) {
  const defaults = DEFAULTS[endpointOf(pathname)] || {};
  const merged = { ...defaults };
  for (const [k, v] of params) merged[k] = v;
  const parts = Object.keys(merged)
    .filter((k) => merged[k] !== '')
    .sort()
    .map((k) => `${k}=${merged[k].trim()}`);
  return `GET ${pathname}${parts.length ? '?' + parts.join('&') : ''}`;
}
