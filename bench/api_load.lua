-- wrk script of bench/api_load.py: each connection sends the requests of a plan file in turn.
--
-- Arguments (after `--`): the plan file (one "path<TAB>token" line per request), "once" or
-- "cycle", and a mean pause in milliseconds. With "once" a thread stops sending when its share of
-- the plan is done (the cold runs: every request distinct); with "cycle" it starts over (the warm
-- runs). With a pause above 0 each connection waits a random time (exponential, that mean) after
-- each answer before its next request, like a person or a client with think time: N connections
-- then offer about N / pause requests per second (the paced rows); with 0 they send back to back
-- (the saturated rows). done() prints one JSON
-- line with the figures: requests, seconds, p50/p99 in microseconds, errors, and how many
-- answers said "cached":true.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file, mode = args[1], args[2]
  pause = tonumber(args[3] or "0")
  math.randomseed(1000 + id)
  local count = tonumber(os.getenv("WRK_THREADS") or "1")
  cycle = mode == "cycle"
  plan = {}
  local index = 0
  for line in io.lines(file) do
    if index % count == id then
      local path, token = line:match("^([^\t]+)\t(.+)$")
      plan[#plan + 1] = wrk.format("GET", path, { Authorization = "Token " .. token })
    end
    index = index + 1
  end
  position = 0
  cached = 0
  exhausted = 0
end

function request()
  position = position + 1
  if position > #plan then
    exhausted = 1
    if not cycle then
      wrk.thread:stop()
    end
    position = 1
  end
  return plan[position]
end

function delay()
  if pause <= 0 then
    return 0
  end
  return -pause * math.log(1 - math.random())
end

function response(status, headers, body)
  if body and body:find('"cached":true', 1, true) then
    cached = cached + 1
  end
end

function done(summary, latency, requests)
  local cached_total, exhausted_total = 0, 0
  for _, thread in ipairs(threads) do
    cached_total = cached_total + thread:get("cached")
    exhausted_total = exhausted_total + thread:get("exhausted")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "microseconds": %d, "p50_us": %.1f, "p99_us": %.1f, "max_us": %.1f, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, '
      .. '"timeouts": %d, "cached": %d, "exhausted_threads": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    cached_total, exhausted_total
  ))
end
