/**
 * Lua that appends every field of a table to FILE as sorted `path=type:value` lines, one record per
 * call ending in `--`, so a test sees both that Lua ran and exactly what it was given.
 */
export const LUA_DUMPER = `
local function dump(out, prefix, v)
  local t, mt = type(v), getmetatable(v)
  if t == "table" and mt == nil then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    if #keys == 0 then out:write(prefix, "=table:{}\\n") end
    for _, k in ipairs(keys) do dump(out, prefix .. "." .. tostring(k), v[k]) end
  elseif t == "table" then
    out:write(prefix, "=", mt.__name, ":", tostring(v), "\\n")
  elseif t == "number" then
    out:write(prefix, "=", math.type(v), ":", string.format("%.17g", v), "\\n")
  else
    out:write(prefix, "=", t, ":", tostring(v), "\\n")
  end
end
function record(prefix, v)
  local out = assert(io.open(FILE, "a"))
  dump(out, prefix, v)
  out:write("--\\n")
  out:close()
end
`
