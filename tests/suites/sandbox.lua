-- sandbox.lua - every escape is refused with a clear message.
local function refused(what, f, pattern)
  local ok, err = pcall(f)
  assert(not ok, what .. " was allowed")
  assert(tostring(err):find(pattern), what .. ": " .. tostring(err))
end
refused("os.execute", function() os.execute("true") end, "os.execute is disabled in suites")
refused("io.popen", function() io.popen("true") end, "io.popen is disabled")
refused("os.remove", function() os.remove("x") end, "os.remove is disabled")
refused("os.rename", function() os.rename("x", "y") end, "os.rename is disabled")
refused("os.exit", function() os.exit(0) end, "os.exit is disabled")
refused("package.loadlib", function() package.loadlib("libc.so.6", "puts") end,
  "package.loadlib is disabled")
refused("C module", function() require("socket.core") end, "module 'socket.core' not found")
refused("write outside", function() io.open("/tmp/dyno-escape-test", "w") end,
  "outside the output directory")
refused("write via ..", function() io.open("../dyno-escape-test", "w") end,
  "outside the output directory")
refused("bytecode", function() assert(load(string.dump(function() end))) end,
  "attempt to load a binary chunk")
-- what stays allowed: reading, writing inside the output directory, Lua modules
local f = assert(io.open("inside.txt", "w"))
f:write("ok\n")
f:close()
assert(io.open("inside.txt", "r"):read("l") == "ok")
local helper = require("helper")
assert(helper.answer == 42)
assert(os.time() > 0 and os.clock() >= 0)
