-- wrk script: POST a new comment per request, each with its own text, and count the
-- responses that acknowledged it: Warta's 303 (its Location names the stored comment,
-- "#comment-ID"), Isso's 201.
-- Arguments: wrk ... -s post.lua URL -- KIND [FIELDS [COOKIE]]
--   KIND    warta or isso
--   FIELDS  Warta's form's hidden fields, URL-encoded, as the page carries them
--   COOKIE  a Cookie header to send (the form of the code before the redesign needed
--           the session its CSRF token was made for)
-- With WARTA_BENCH_IDS set, done() appends the acknowledged comments' ids to that
-- file, one a line, so that the run can check each of them was stored.
local threads = {}
counter = 0
acks = 0
ids = {}
local kind, fields, cookie

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  kind, fields, cookie = args[1], args[2] or "", args[3] or ""
  wrk.method = "POST"
  if kind == "warta" then
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie ~= "" then
      wrk.headers["Cookie"] = cookie
    end
  elseif kind == "isso" then
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  counter = counter + 1
  local text = "bench-" .. id .. "-" .. counter .. " komentar uji beban"
  local body = ""
  if kind == "warta" then
    local words = text:gsub(" ", "+")
    body = fields .. "&comment=" .. words .. "&author=Penguji&email=penguji%40example.com"
  elseif kind == "isso" then
    body = '{"text": "' .. text .. '", "author": "Penguji", "email": "penguji@example.com"}'
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if kind == "warta" and status == 303 then
    acks = acks + 1
    local location = headers["Location"] or headers["location"] or ""
    local found = location:match("#comment%-(%d+)$")
    if found then
      ids[#ids + 1] = found
    end
  elseif kind == "isso" and status == 201 then
    acks = acks + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  local path = os.getenv("WARTA_BENCH_IDS")
  local out = path and io.open(path, "a")
  for _, thread in ipairs(threads) do
    total = total + thread:get("acks")
    if out then
      for _, found in ipairs(thread:get("ids")) do
        out:write(found, "\n")
      end
    end
  end
  if out then
    out:close()
  end
  io.write(string.format("ACKNOWLEDGED %d\n", total))
end
