-- Driven by benchmarks/run.py. Cycles through the request paths in $BENCH_PATHS_FILE (one per line),
-- sends $BENCH_API_KEY as X-FreeScout-API-Key and as apikey (the LiveAgent API's header) when it is set, and prints the summary as one JSON line
-- ("BENCH_RESULT {...}", latencies in microseconds) after wrk's own report.

local paths = {}
local index = 0
local headers = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS_FILE")) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  local key = os.getenv("BENCH_API_KEY")
  if key and key ~= "" then
    headers["X-FreeScout-API-Key"] = key
    headers["apikey"] = key
  end
  -- The agent UI's signed-in session, when the scenario has one.
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then
    headers["Cookie"] = cookie
  end
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], headers)
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
