-- error.lua - a script error on line 4: dyno run exits 2 and names it.
local r = dyno.probe("good.rec", { count = 3 })
dyno.check(r, "median(value) < 10s")
local x = nil + 1
