-- wrk script of the load test: a mix of what a community does at once.
-- Reads its targets from the file named by PB_LOAD_TARGETS (one
-- "METHOD PATH" a line; "VOTE ID" lines become upvote toggles through the
-- API with the bearer token in PB_LOAD_TOKEN).
local targets = {}
local token = os.getenv("PB_LOAD_TOKEN")

function init(args)
  for line in io.lines(os.getenv("PB_LOAD_TARGETS")) do
    local method, path = line:match("^(%S+) (.+)$")
    if method then
      table.insert(targets, { method = method, path = path })
    end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

local n = 0
function request()
  n = n + 1
  local t = targets[math.random(#targets)]
  if t.method == "VOTE" then
    -- alternate: cast, then take back
    local m = (n % 2 == 0) and "POST" or "DELETE"
    return wrk.format(m, "/api/papers/" .. t.path .. "/upvote",
      { ["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0" })
  end
  return wrk.format(t.method, t.path)
end

-- status counts per thread (each thread has its own Lua state), summed
-- in done() through the thread objects kept by setup()
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

c2, c3, c4, c5 = 0, 0, 0, 0
function response(status, headers, body)
  if status >= 500 then c5 = c5 + 1
  elseif status >= 400 then c4 = c4 + 1
  elseif status >= 300 then c3 = c3 + 1
  else c2 = c2 + 1 end
end

function done(summary, latency, requests)
  local t = { 0, 0, 0, 0 }
  for _, th in ipairs(threads) do
    t[1] = t[1] + th:get("c2")
    t[2] = t[2] + th:get("c3")
    t[3] = t[3] + th:get("c4")
    t[4] = t[4] + th:get("c5")
  end
  io.write(string.format("status codes: 200=%d 300=%d 400=%d 500=%d\n", t[1], t[2], t[3], t[4]))
end
