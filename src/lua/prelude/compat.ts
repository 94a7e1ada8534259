/**
 * Lua 5.1 / LuaJIT compatibility for configs written for upstream's LuaJIT: unpack, loadstring,
 * table.getn, setfenv/getfenv, math.pow, a `bit` library with LuaJIT's signed 32-bit results, and
 * string.format("%d", 3.0) truncating floats as LuaJIT does.
 */
export const compatLua = String.raw`
local debug, math, string, table = debug, math, string, table
unpack = unpack or table.unpack
table.unpack = table.unpack or unpack
loadstring = loadstring or function (s, chunkname) return load(s, chunkname) end
table.getn = table.getn or function (t) return #t end
table.maxn = table.maxn or function (t)
  local n = 0
  for k in pairs(t) do if type(k) == "number" and k > n then n = k end end
  return n
end
math.pow = math.pow or function (x, y) return x ^ y end
math.mod = math.mod or math.fmod
string.gfind = string.gfind or string.gmatch

local function envslot (f)
  local i = 1
  while true do
    local name, value = debug.getupvalue(f, i)
    if name == nil then return nil end
    if name == "_ENV" then return i, value end
    i = i + 1
  end
end
local function resolve (f)
  if type(f) == "function" then return f end
  local info = debug.getinfo((f or 1) + 2, "f")
  return info and info.func
end
function getfenv (f)
  local fn = resolve(f)
  if fn == nil then return _G end
  local _, env = envslot(fn)
  return env or _G
end
function setfenv (f, t)
  local fn = resolve(f)
  if fn == nil then error("setfenv: no function at that level", 2) end
  local slot = envslot(fn)
  if slot then debug.upvaluejoin(fn, slot, function () return t end, 1) end
  return fn
end

-- LuaJIT's bit library: operands wrap modulo 2^32, results are signed 32-bit integers.
local function u32 (x)
  local n = math.tointeger(x)
  if n == nil then n = math.floor(x + 0.5) end
  return n & 0xffffffff
end
local function s32 (n)
  n = n & 0xffffffff
  if n >= 0x80000000 then return n - 0x100000000 end
  return n
end
local bit = {}
function bit.tobit (x) return s32(u32(x)) end
function bit.bnot (x) return s32(~u32(x)) end
function bit.band (x, ...) local r = u32(x) for _, v in ipairs({...}) do r = r & u32(v) end return s32(r) end
function bit.bor (x, ...) local r = u32(x) for _, v in ipairs({...}) do r = r | u32(v) end return s32(r) end
function bit.bxor (x, ...) local r = u32(x) for _, v in ipairs({...}) do r = r ~ u32(v) end return s32(r) end
function bit.lshift (x, n) return s32(u32(x) << (u32(n) & 31)) end
function bit.rshift (x, n) return s32(u32(x) >> (u32(n) & 31)) end
function bit.arshift (x, n)
  local v, s = s32(u32(x)), u32(n) & 31
  return s32(v >> s | ((v < 0 and s > 0) and (0xffffffff << (32 - s)) or 0))
end
function bit.rol (x, n) local v, s = u32(x), u32(n) & 31 return s32((v << s) | (v >> (32 - s))) end
function bit.ror (x, n) local v, s = u32(x), u32(n) & 31 return s32((v >> s) | (v << (32 - s))) end
function bit.bswap (x)
  local v = u32(x)
  return s32(((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24))
end
function bit.tohex (x, n)
  n = n or 8
  local upper = n < 0
  if upper then n = -n end
  local s = string.format(upper and "%08X" or "%08x", u32(x))
  return s:sub(-n)
end
package.loaded.bit = bit
_G.bit = bit

-- LuaJIT formats %d of 3.7 as 3; Lua 5.4 raises "number has no integer representation".
local format = string.format
local intconv = { d = true, i = true, x = true, X = true, o = true, c = true }
string.format = function (fmt, ...)
  local ok, res = pcall(format, fmt, ...)
  if ok then return res end
  local args = table.pack(...)
  local idx = 0
  for flags, conv in string.gmatch(fmt, "%%([-+ #0-9.]*)(.)") do
    if conv ~= "%" then
      idx = idx + 1
      local v = args[idx]
      if intconv[conv] and type(v) == "number" and math.type(v) == "float" and v == v and v ~= math.huge and v ~= -math.huge then
        args[idx] = v < 0 and math.ceil(v) or math.floor(v)
      end
    end
  end
  return format(fmt, table.unpack(args, 1, args.n))
end
`
