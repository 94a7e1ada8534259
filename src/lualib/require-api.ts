import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { type ApiContext, type ApiModule, internal } from '../lua/api/index.ts'
import { type HostFunction } from '../lua/host.ts'
import { pushBytes } from './lua-push.ts'

/** `<dir>/?.lua;<dir>/lua/?.lua;<dir>/lua/?/init.lua`: modules next to the config or in its lua/ folder. */
export function defaultPackagePath (dir: string): string {
  return [join(dir, '?.lua'), join(dir, 'lua', '?.lua'), join(dir, 'lua', '?', 'init.lua')].join(';')
}

/** LUA_PATH_5_4 or LUA_PATH as stock Lua reads them: ";;" stands for the default path. */
export function packagePath (dir: string, env: NodeJS.ProcessEnv = process.env): string {
  const def = defaultPackagePath(dir)
  const fromEnv = env.LUA_PATH_5_4 ?? env.LUA_PATH
  if (fromEnv === undefined) return def
  return fromEnv.replace(';;', `;${def};`).replace(/^;+|;+$/g, '')
}

function isFile (path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** package.searchpath on the real file system: the first template that names a file, or the list of what was tried. */
export function searchPath (name: string, path: string, sep: string, rep: string): { file: string } | { tried: string[] } {
  const base = sep === '' ? name : name.split(sep).join(rep)
  const tried: string[] = []
  for (const template of path.split(';')) {
    if (template === '') continue
    const file = template.replaceAll('?', base)
    if (isFile(file)) return { file }
    tried.push(file)
  }
  return { tried }
}

/**
 * `require` for pure-Lua modules on disk. wasmoon's stock searchers read the WebAssembly module's
 * in-memory file system; these read real files (synchronously: a config's modules are small and
 * load once per state). package.path is set from the working directory when the state is created:
 * the daemon changes into the config's folder first. C modules cannot load (package.cpath is empty).
 */
export const requireModule: ApiModule = Object.assign(({ lua, args }: ApiContext<unknown>): HostFunction[] => {
  const raw = lua.raw
  return [
    internal('pkgDefaultPath', (L) => {
      lua.pushString(L, packagePath(process.cwd()))
      return 1
    }),
    internal('pkgSearchPath', (L) => {
      const found = searchPath(args.string(L, 1, 'searchpath'), args.string(L, 2, 'searchpath'),
        args.optString(L, 3, 'searchpath', '.'), args.optString(L, 4, 'searchpath', '/'))
      if ('file' in found) {
        lua.pushString(L, found.file)
        return 1
      }
      raw.lua_pushnil(L)
      lua.pushString(L, found.tried.map((f) => `no file '${f}'`).join('\n\t'))
      return 2
    }),
    internal('pkgReadFile', (L) => {
      const file = args.string(L, 1, 'readfile')
      try {
        pushBytes(lua, L, readFileSync(file))
        return 1
      } catch (err) {
        raw.lua_pushnil(L)
        lua.pushString(L, `cannot read ${file}: ${(err as Error).message}`)
        return 2
      }
    })
  ]
}, {
  prelude: {
    name: 'require',
    source: `
local H = __ta
local searchpath, readfile, load, select, error, type = H.pkgSearchPath, H.pkgReadFile, load, select, error, type
local format = string.format
package.path = H.pkgDefaultPath()
package.cpath = ""
function package.searchpath (name, path, sep, rep) return searchpath(name, path, sep, rep) end

-- A first line starting with '#' (a shebang) is skipped as stock loadfile does; the newline stays for line numbers.
local function source_of (filename)
  local src, err = readfile(filename)
  if src == nil then return nil, err end
  if src:sub(1, 1) == "#" then src = src:gsub("^[^\\n]*", "", 1) end
  return src
end

local function lua_searcher (name)
  if type(package.path) ~= "string" then error("'package.path' must be a string", 3) end
  local filename, tried = searchpath(name, package.path)
  if filename == nil then return tried end
  local src, err = source_of(filename)
  local chunk
  if src ~= nil then chunk, err = load(src, "@" .. filename) end
  if chunk == nil then error(format("error loading module '%s' from file '%s':\\n\\t%s", name, filename, err), 3) end
  return chunk, filename
end
package.searchers = { package.searchers[1], lua_searcher }

function loadfile (filename, mode, ...)
  if filename == nil then return nil, "loadfile: reading standard input is not supported" end
  local src, err = source_of(filename)
  if src == nil then return nil, err end
  if select("#", ...) > 0 then return load(src, "@" .. filename, mode or "bt", ...) end
  return load(src, "@" .. filename, mode or "bt")
end

function dofile (filename)
  local chunk, err = loadfile(filename)
  if chunk == nil then error(err, 2) end
  return chunk()
end
`
  }
})
