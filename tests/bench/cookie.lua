-- wrk script: send a session cookie, as a returning reader's browser does.
-- Arguments: wrk ... -s cookie.lua URL -- COOKIE
function init(args)
  wrk.headers["Cookie"] = args[1]
end
