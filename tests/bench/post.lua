-- wrk script: POST a new comment per request, each with its own text, and count the
-- responses that acknowledged it (303 for Warta, 201 for Isso, 200 for the baseline).
-- Arguments: wrk ... -s post.lua URL -- KIND COOKIE CSRF_TOKEN
local threads = {}
counter = 0
acks = 0
local kind, cookie, token

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  kind, cookie, token = args[1], args[2] or "", args[3] or ""
  wrk.method = "POST"
  if kind == "warta" then
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.headers["Cookie"] = cookie
  elseif kind == "isso" then
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  counter = counter + 1
  local text = "bench-" .. id .. "-" .. counter .. " komentar uji beban"
  local body = ""
  if kind == "warta" then
    body = "csrf_token=" .. token .. "&comment=" .. text:gsub(" ", "+") ..
           "&author=Penguji&email=penguji%40example.com"
  elseif kind == "isso" then
    body = '{"text": "' .. text .. '", "author": "Penguji", "email": "penguji@example.com"}'
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 303 or status == 201 or status == 200 then
    acks = acks + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("acks")
  end
  io.write(string.format("ACKNOWLEDGED %d\n", total))
end
