-- Prints one run's figures as a JSON line starting "BENCH ", read by bench/run.py.
-- Latencies are in microseconds. "failures" counts what a script's response() refused.

threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function done(summary, latency, requests)
   local failures = 0
   for _, thread in ipairs(threads) do
      failures = failures + (thread:get("failures") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
         .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, "failures": %d}\n',
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      e.connect, e.read, e.write, e.timeout, e.status, failures))
end
