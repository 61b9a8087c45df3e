-- wrk script: POST a new comment with a unique external_id on every request.
-- The API key and run id come from the environment (wrk's Lua has os.getenv).
local counter = 0
local key = os.getenv("BENCH_API_KEY") or ""
local run = os.getenv("BENCH_RUN") or tostring(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key

function setup(thread)
  thread:set("tid", tostring(math.random(1, 1e9)))
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"external_id":"%s-%s-%d","thread_id":"t-%d","author_id":"u-%d","body":"Day %d: I started swimming twice a week and my legs feel stronger."}',
    run, tid or "0", counter, counter % 50, counter % 200, counter)
  return wrk.format(nil, nil, nil, body)
end
