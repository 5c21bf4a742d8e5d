-- wrk script for the acknowledgement bench (bench/pipeline_bench.py `_wrk_level`): sends
-- each pre-signed Twilio SMS webhook in ACK_WRK_DATA ("signature TAB form body" lines,
-- distinct MessageSids) exactly once over wrk's connections, then stops (below). Every
-- request passes through delay() first (wrk's rule when the script
-- has one), so counting there sends each line once, never a duplicate. Run with -t1: one
-- Lua state. wrk stops once every connection (ACK_WRK_CONNECTIONS, wrk's -c) has had its
-- last response: a connection calls delay() after each response, and one that finds
-- nothing left to send is done. Idling on until the duration ended let the server close
-- the idle kept-alive connections (Sanic's keep-alive timeout is 5 s), and wrk counted
-- each close as a read error. No response() function: defining one makes wrk copy every
-- response's headers and body into Lua while the rest of the burst waits to be read.
local path = os.getenv("ACK_WRK_PATH")
local reqs = {}
for line in io.lines(os.getenv("ACK_WRK_DATA")) do
  local signature, body = line:match("([^\t]+)\t(.*)")
  reqs[#reqs + 1] = wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = signature}, body)
end
local connections = tonumber(os.getenv("ACK_WRK_CONNECTIONS"))
local reserved, sent, idle = 0, 0, 0

delay = function()
  if reserved < #reqs then
    reserved = reserved + 1
    return 0
  end
  idle = idle + 1
  if idle >= connections then
    wrk.thread:stop()
  end
  return 3600000
end

-- wrk calls request() once before it starts (to count pipelined requests); that call is
-- not a send, and no delay() has reserved it
request = function()
  if sent < reserved then
    sent = sent + 1
  end
  return reqs[math.max(sent, 1)]
end

done = function(summary, latency, requests)
  io.write(string.format(
    "ACK_WRK requests=%d status_errors=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50),
    latency:percentile(99)))
end
