-- limit_spin.lua - never ends: --time-limit must end it.  The pcall
-- inside the loop must not swallow the limit, nor the coroutine hide
-- from it.
local spin = coroutine.wrap(function()
  while true do pcall(function() while true do end end) end
end)
spin()
