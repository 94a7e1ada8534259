/**
 * `io` and the file parts of `os` on the real file system. wasmoon's own io writes to an in-memory
 * file system that no other process can see; these replacements call into Node's fs instead.
 */
export const ioLua = String.raw`
local H = __ta
local F = {}
F.__index = F
F.__name = "FILE*"
local function checkopen (f)
  if f.closed then error("attempt to use a closed file", 3) end
  return f.h
end
local function readone (h, fmt)
  if type(fmt) == "number" then return H.ioReadN(h, fmt) end
  fmt = string.gsub(fmt, "^%*", "")
  local c = string.sub(fmt, 1, 1)
  if c == "l" then return H.ioReadLine(h, false) end
  if c == "L" then return H.ioReadLine(h, true) end
  if c == "a" then return H.ioReadAll(h) end
  if c == "n" then return H.ioReadNumber(h) end
  error("bad argument to 'read' (invalid format)", 3)
end
function F:read (...)
  local h = checkopen(self)
  local n = select("#", ...)
  if n == 0 then return readone(h, "l") end
  local out = {}
  for i = 1, n do
    local v = readone(h, (select(i, ...)))
    out[i] = v
    if v == nil then return table.unpack(out, 1, i) end
  end
  return table.unpack(out, 1, n)
end
function F:write (...)
  local h = checkopen(self)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) ~= "string" and type(v) ~= "number" then error("bad argument #" .. i .. " to 'write' (string expected, got " .. type(v) .. ")", 2) end
    local ok, err = H.ioWrite(h, tostring(v))
    if not ok then return nil, err end
  end
  return self
end
function F:lines (...)
  local fmts = table.pack(...)
  if fmts.n == 0 then fmts = { "l", n = 1 } end
  return function () return self:read(table.unpack(fmts, 1, fmts.n)) end
end
function F:close ()
  if self.std then return nil, "cannot close standard file" end
  local h = checkopen(self)
  self.closed = true
  return H.ioClose(h)
end
function F:flush () checkopen(self) return self end
function F:seek (whence, offset) return H.ioSeek(checkopen(self), whence or "cur", offset or 0) end
function F:setvbuf () return true end
F.__tostring = function (self) return self.closed and "file (closed)" or ("file (" .. tostring(self.h) .. ")") end
F.__gc = function (self) if not self.closed and not self.std then self.closed = true H.ioClose(self.h) end end
F.__close = F.__gc

local function wrap (h, std) return setmetatable({ h = h, std = std }, F) end
io = {}
io.stdout = wrap(1, true)
io.stderr = wrap(2, true)
io.stdin = wrap(0, true)
local output = io.stdout
local input = io.stdin
function io.open (path, mode)
  mode = mode or "r"
  if not string.match(mode, "^[rwa]%+?b?$") then error("bad argument #2 to 'open' (invalid mode)", 2) end
  local h, err, code = H.ioOpen(path, mode)
  if h == nil then return nil, err, code end
  return wrap(h, false)
end
function io.close (f) return (f or output):close() end
function io.write (...) return output:write(...) end
function io.read (...) return input:read(...) end
function io.type (f)
  if getmetatable(f) ~= F then return nil end
  return f.closed and "closed file" or "file"
end
function io.output (f)
  if f == nil then return output end
  if type(f) == "string" then output = assert(io.open(f, "w")) else output = f end
  return output
end
function io.input (f)
  if f == nil then return input end
  if type(f) == "string" then input = assert(io.open(f, "r")) else input = f end
  return input
end
function io.lines (path, ...)
  if path == nil then return input:lines(...) end
  local f, err = io.open(path, "r")
  if f == nil then error(err, 2) end
  local fmts = table.pack(...)
  if fmts.n == 0 then fmts = { "l", n = 1 } end
  return function ()
    local v = f:read(table.unpack(fmts, 1, fmts.n))
    if v == nil then f:close() end
    return v
  end
end
function io.popen () error("io.popen is not available in trackalert", 2) end
io.tmpfile = function () return io.open(os.tmpname(), "w+") end
os.remove = H.osRemove
os.rename = H.osRename
os.tmpname = H.osTmpname
os.exit = function () error("os.exit is not allowed inside trackalert: use shutdown() to stop the daemon", 2) end
os.execute = function () error("os.execute is not available in trackalert", 2) end
package.loaded.io = io
`
