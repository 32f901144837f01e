-- wrk script: one authenticated request, repeated, counting every answer whose status is not
-- the expected one so that bench/run.sh reports throughput only for requests that succeeded.
-- Environment: BENCH_TOKEN, BENCH_PATH, BENCH_EXPECT (status),
-- and optionally BENCH_BODY (a JSON body, sent as a POST).
local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN is not set")
local expect = tonumber(os.getenv("BENCH_EXPECT") or error("BENCH_EXPECT is not set"))
local body = os.getenv("BENCH_BODY")

wrk.path = os.getenv("BENCH_PATH") or error("BENCH_PATH is not set")
wrk.headers["Authorization"] = "Bearer " .. token
if body then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
else
  wrk.method = "GET"
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
end

function response(status, headers, body)
  if status ~= expect then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("unexpected")
  end
  -- One machine-readable line that bench/run.sh parses.
  io.write(string.format("Unexpected responses: %d\n", total))
end
