-- wrk script for the compare bench (cli/benches/compare/load.rs):
-- POST /api/v1/exchanges between seeded member pairs, a unique client_ref
-- per request (phase, thread, counter), every answer other than 201
-- counted, and one JSON line from done() that load.rs reads.
-- Arguments (after --): TOKEN PHASE CODE_A1 CODE_B1 CODE_A2 CODE_B2 ...

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local token, phase
local pairs_ = {}
local counter = 0
not201 = 0
first_bad = ""

function init(args)
  token = args[1]
  phase = args[2]
  local i = 3
  while args[i + 1] do
    table.insert(pairs_, { args[i], args[i + 1] })
    i = i + 2
  end
  wrk.method = "POST"
  wrk.path = "/api/v1/exchanges"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local pair = pairs_[(counter % #pairs_) + 1]
  local from, to = pair[1], pair[2]
  -- Alternate direction per pair so balances stay near zero.
  if math.floor(counter / #pairs_) % 2 == 1 then
    from, to = to, from
  end
  local body = string.format(
    '{"providers":["%s"],"receivers":["%s"],"minutes":30,"client_ref":"wrk-%s-%d-%d"}',
    from, to, phase, id, counter)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 201 then
    not201 = not201 + 1
    if first_bad == "" then
      first_bad = status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local bad = 0
  local first = ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("not201")
    local f = t:get("first_bad")
    if first == "" and f then first = f end
  end
  first = string.gsub(first, '[%c"\\]', " ")
  io.write(string.format(
    'AMSER_WRK {"requests":%d,"duration_us":%d,"not_201":%d,"p50_us":%d,"p99_us":%d,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d,"first_bad":"%s"}\n',
    summary.requests, summary.duration, bad, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, first))
end
