-- Driven by benchmarks/write_scenarios.py: POSTs the JSON in $BENCH_BODY_FILE to the paths in $BENCH_PATHS_FILE
-- (one per line, cycled) with $BENCH_API_KEY as X-FreeScout-API-Key, and prints the same one-line summary as
-- wrk.lua ("BENCH_RESULT {...}", latencies in microseconds).

local paths = {}
local index = 0
local headers = {["Content-Type"] = "application/json"}
local body = ""

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS_FILE")) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  local file = io.open(os.getenv("BENCH_BODY_FILE"), "rb")
  body = file:read("*a")
  file:close()
  headers["X-FreeScout-API-Key"] = os.getenv("BENCH_API_KEY")
end

function request()
  index = index % #paths + 1
  return wrk.format("POST", paths[index], headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "mean_us": %.1f, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, '
      .. '"timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout
  ))
end
