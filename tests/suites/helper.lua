-- helper.lua - a Lua module found next to the suite by require.
return { answer = 42 }
