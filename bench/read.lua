-- wrk script: authenticated GET of one job (path given by OFFLOAD_BENCH_PATH), counting every
-- answer that is not 200.
local token = os.getenv("OFFLOAD_BENCH_TOKEN") or error("OFFLOAD_BENCH_TOKEN is not set")

wrk.method = "GET"
wrk.path = os.getenv("OFFLOAD_BENCH_PATH") or error("OFFLOAD_BENCH_PATH is not set")
wrk.headers["Authorization"] = "Bearer " .. token

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("non200")
  end
  io.write(string.format("Non-200 responses: %d\n", total))
end
