-- wrk script: authenticated POST /api/v1/jobs of a sleep-0 job, counting every answer that is
-- not 202 so that the benchmark reports throughput only for accepted submissions.
-- The token comes from the environment (OFFLOAD_BENCH_TOKEN), set by bench/run.sh.
local token = os.getenv("OFFLOAD_BENCH_TOKEN") or error("OFFLOAD_BENCH_TOKEN is not set")

wrk.method = "POST"
wrk.path = "/api/v1/jobs"
wrk.body = '{"type":"sleep","input":{"seconds":0}}'
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non202 = 0
end

function response(status, headers, body)
  if status ~= 202 then
    non202 = non202 + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("non202")
  end
  -- One machine-readable line that bench/run.sh parses.
  io.write(string.format("Non-202 responses: %d\n", total))
end
