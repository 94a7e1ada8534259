/**
 * Address objects. A ComboAddress is a table { text, port, family } with a shared metatable, so
 * `lt.remote:tostring()` is a field read in Lua rather than a call into JS. Host functions come in
 * through the hidden `__ta` table and are kept as upvalues.
 */
export const objectsLua = String.raw`
local H = __ta
local registry = debug.getregistry()

local CA = {}
CA.__index = CA
CA.__name = "ComboAddress"
function CA:tostring () return self[1] end
function CA:toString () return self[1] end
function CA:tostringWithPort ()
  if self[3] == 6 then return "[" .. self[1] .. "]:" .. self[2] end
  return self[1] .. ":" .. self[2]
end
function CA:getPort () return self[2] end
function CA:isIPv4 () return self[3] == 4 end
function CA:isIPv6 () return self[3] == 6 end
function CA:isMappedIPv4 () return self[3] == 6 and string.sub(self[1], 1, 7) == "::ffff:" and string.find(self[1], ".", 8, true) ~= nil end
function CA:mapToIPv4 ()
  if not self:isMappedIPv4() then error("mapToIPv4: not an IPv4-mapped IPv6 address", 2) end
  return setmetatable({ string.sub(self[1], 8), self[2], 4 }, CA)
end
CA.__tostring = function (self) return self[1] end
CA.__eq = function (a, b) return a[1] == b[1] and a[2] == b[2] end
registry.ComboAddress = CA

local NM = {}
NM.__index = NM
NM.__name = "Netmask"
function NM:toStringNetwork () return self[1] .. "/" .. self[2] end
function NM:tostring () return self[1] .. "/" .. self[2] end
function NM:getBits () return self[2] end
function NM:getNetwork () return H.newCA(self[1]) end
function NM:isIPv4 () return self[3] == 4 end
function NM:isIPv6 () return self[3] == 6 end
function NM:match (ca) return H.netmaskMatch(self[1], self[2], ca) end
NM.__tostring = NM.tostring
registry.Netmask = NM

local NMG = { addMask = H.nmgAdd, match = H.nmgMatch, size = H.nmgSize, clear = H.nmgClear }
NMG.__index = NMG
NMG.__name = "NetmaskGroup"
NMG.__gc = H.nmgFree
registry.NetmaskGroup = NMG
`
