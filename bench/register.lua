-- wrk script: POST the registration form, a new address each time, with one visitor session's CSRF token
-- (given in the X-Bench-Token header; the session cookie comes in the Cookie header).
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  token = wrk.headers["X-Bench-Token"]
end

request = function()
  counter = counter + 1
  local email = string.format("post-%d-%d-%d%%40bench.example", id, counter, math.random(1000000000))
  local body = "csrf_token=" .. token .. "&given_name=Aida&family_name=Bench&email=" .. email ..
    "&country=KZ&consent=y&website="
  return wrk.format("POST", nil, nil, body)
end
