-- limit_fill.lua - fills a table with 1 KiB strings until --max-memory
-- ends it.  The pcall catching "not enough memory" must not let it go on.
local t, i = {}, 0
while true do
  pcall(function()
    while true do
      i = i + 1
      t[i] = string.rep("x", 1024 - 8) .. string.format("%08d", i % 1e8)
    end
  end)
end
