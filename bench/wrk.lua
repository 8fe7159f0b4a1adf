-- wrk script for bench/run.sh: one fixed request per connection, kept alive, and a machine-readable
-- summary line. Environment: FWB_METHOD (POST by default; POST sends the body "{}" as JSON),
-- FWB_AUTH (base64 "uuid:key" for HTTP Basic; unset for no Authorization header).
local method = os.getenv("FWB_METHOD") or "POST"
local auth = os.getenv("FWB_AUTH")
wrk.method = method
if method == "POST" then
  wrk.body = "{}"
  wrk.headers["Content-Type"] = "application/json"
end
if auth and auth ~= "" then
  wrk.headers["Authorization"] = "Basic " .. auth
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'FWBENCH {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
