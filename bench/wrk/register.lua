-- Guest registrations: each request a new guest with a new email address.
-- Arguments (after "--"): the CSRF token and form stamp fetched once up front, and a run tag.
-- The CSRF cookie, Origin and X-Forwarded-Proto come as -H headers from bench/run.py.
-- A registration answers 302 to the "check your email" page; anything else is a failure.

dofile("report.lua")

local token, stamp, tag
local counter = 0
failures = 0

function init(args)
   token, stamp, tag = args[1], args[2], args[3]
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
   counter = counter + 1
   local body = "csrfmiddlewaretoken=" .. token .. "&form_stamp=" .. stamp
      .. "&name=Bench+Guest&email=" .. tag .. "-" .. id .. "-" .. counter .. "%40example.com"
      .. "&time_zone=Europe%2FBrussels&language=en&privacy_consent=on"
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status ~= 302 then
      failures = failures + 1
   end
end
