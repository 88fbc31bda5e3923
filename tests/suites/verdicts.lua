-- verdicts.lua - one pass, one review, one fail: dyno run exits 1.
local r = dyno.probe("good.rec", { count = 5, value = 1.5 })
dyno.check(r, "median(value) < 4s", { name = "passes" })
dyno.check(r, "median(value) < 3s", { review = "median(value) < 4s", name = "reviews" })
dyno.check(r, "median(value) < 1s", { name = "fails & <escapes>" })
