-- serve_load.lua - wrk script for bench/serve_load.sh: GET /api/search for
-- each development query (bench/dev/queries.tsv, column 4) in turn, with
-- the facets the web page asks for; prints requests/s, p50/p99 and errors.
local queries_file = os.getenv("DD_QUERIES") or "bench/dev/queries.tsv"
local paths, n = {}, 0

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

for line in io.lines(queries_file) do
  if not line:match("^#") then
    local q = line:match("^[^\t]*\t[^\t]*\t[^\t]*\t([^\t]+)")
    if q then
      paths[#paths + 1] = "/api/search?q=" .. encode(q) .. "&limit=10&facets=topic,county,month"
    end
  end
end

function request()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  requests %d  errors %d " ..
    "(connect %d, read %d, write %d, non-2xx %d, timeout %d)\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors, e.connect, e.read, e.write, e.status, e.timeout))
end
