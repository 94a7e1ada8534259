/** Lua 5.4 C API constants (lua.h) used by the engine. */
export const LUA_OK = 0
export const LUA_YIELD = 1
export const LUA_ERRRUN = 2
export const LUA_ERRSYNTAX = 3
export const LUA_ERRMEM = 4
export const LUA_ERRERR = 5

export const LUA_TNONE = -1
export const LUA_TNIL = 0
export const LUA_TBOOLEAN = 1
export const LUA_TLIGHTUSERDATA = 2
export const LUA_TNUMBER = 3
export const LUA_TSTRING = 4
export const LUA_TTABLE = 5
export const LUA_TFUNCTION = 6
export const LUA_TUSERDATA = 7
export const LUA_TTHREAD = 8

/** -LUAI_MAXSTACK - 1000, with LUAI_MAXSTACK = 1000000 in this build. */
export const LUA_REGISTRYINDEX = -1001000
export const LUA_MULTRET = -1
export const LUA_MASKCOUNT = 8

export const typeNames = ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread']
