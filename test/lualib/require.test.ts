import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LuaLibrary, packagePath } from '../../src/lualib/index.ts'
import { createHarness, run, type Harness } from './harness.ts'

let dir: string
let lib: LuaLibrary
let h: Harness
const cwd = process.cwd()

before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'lualib-require-')))
  await mkdir(join(dir, 'lua', 'policy'), { recursive: true })
  await mkdir(join(dir, 'lua', 'pkg'), { recursive: true })
  await writeFile(join(dir, 'helpers.lua'), 'LOADS = (LOADS or 0) + 1\nlocal M = {}\nfunction M.double (x) return 2 * x end\nreturn M\n')
  await writeFile(join(dir, 'lua', 'policy', 'util.lua'), '#!/usr/bin/env lua\nlocal name = ...\nreturn { name = name, file = select(2, ...) }\n')
  await writeFile(join(dir, 'lua', 'pkg', 'init.lua'), 'return { init = true }\n')
  await writeFile(join(dir, 'bad.lua'), 'local x = 1\nlocal = 2\n')
  await writeFile(join(dir, 'boom.lua'), 'local M = {}\nerror("module failed on purpose")\n')
  await writeFile(join(dir, 'fetch.lua'), 'return http.request("http://127.0.0.1:1/")\n')
  await writeFile(join(dir, 'data.lua'), 'return VALUE, ...\n')
  // The daemon changes into the config folder before creating states; package.path is taken from there.
  process.chdir(dir)
  lib = new LuaLibrary()
  h = await createHarness({ dir, modules: lib.modules, reportStates: 1, config: 'local helpers = require "helpers"\nCONFIG_DOUBLE = helpers.double(21)\n' })
})

after(async () => {
  process.chdir(cwd)
  await lib.close()
  await rm(dir, { recursive: true, force: true })
})

test('the config requires modules next to it; each state loads a module once', async () => {
  assert.deepEqual(await run(h, h.states[1], 'return CONFIG_DOUBLE, LOADS, require("helpers").double(4), LOADS'), [42, 1, 8, 1])
  assert.deepEqual(await run(h, h.states[1], 'local u = require "policy.util" return u.name, u.file'), ['policy.util', join(dir, 'lua', 'policy', 'util.lua')])
  assert.deepEqual(await run(h, h.states[1], 'return require("pkg").init'), [true])
  assert.deepEqual(await run(h, h.states[1], 'return package.path'), [`${dir}/?.lua;${dir}/lua/?.lua;${dir}/lua/?/init.lua`])
})

test('a missing module names the paths tried', async () => {
  await assert.rejects(run(h, h.states[1], 'require "nope.mod"'), (err: Error) => {
    assert.match(err.message, /test:1: module 'nope\.mod' not found:/)
    assert.match(err.message, /no field package\.preload\['nope\.mod'\]/)
    assert.ok(err.message.includes(`no file '${dir}/nope/mod.lua'`))
    assert.ok(err.message.includes(`no file '${dir}/lua/nope/mod/init.lua'`))
    return true
  })
})

test('syntax and run-time errors in a module name its file and line', async () => {
  await assert.rejects(run(h, h.states[1], 'require "bad"'),
    new RegExp(`test:1: error loading module 'bad' from file '${dir}/bad\\.lua':\\n\\t${dir}/bad\\.lua:2: .*near '='`))
  await assert.rejects(run(h, h.states[1], 'require "boom"'), new RegExp(`${dir}/boom\\.lua:2: module failed on purpose`))
  assert.deepEqual(await run(h, h.states[1], 'local ok, err = pcall(require, "boom") return ok, package.loaded.boom'), [false, null])
})

test('package.path and package.searchpath can be changed and read real files', async () => {
  assert.deepEqual(await run(h, h.states[1], `
    local old = package.path
    package.path = "${dir}/lua/policy/?.lua"
    local u = require "util"
    package.path = old
    return u.name, package.searchpath("helpers", old), select(2, package.searchpath("x", "/nonexistent/?.lua"))`),
  ['util', `${dir}/helpers.lua`, "no file '/nonexistent/x.lua'"])
  assert.equal(packagePath('/etc/ta', { LUA_PATH: '/opt/lua/?.lua;;' }), '/opt/lua/?.lua;/etc/ta/?.lua;/etc/ta/lua/?.lua;/etc/ta/lua/?/init.lua')
  assert.equal(packagePath('/etc/ta', { LUA_PATH_5_4: '/only/?.lua', LUA_PATH: '/ignored/?.lua' }), '/only/?.lua')
})

test('dofile and loadfile read real files (optionally into an environment)', async () => {
  assert.deepEqual(await run(h, h.states[1], 'VALUE = 7 return dofile("data.lua")'), [7])
  assert.deepEqual(await run(h, h.states[1], 'local f = loadfile("data.lua", "t", { VALUE = 9 }) return f("arg")'), [9, 'arg'])
  assert.deepEqual(await run(h, h.states[1], 'local f, err = loadfile("missing.lua") return f, (err:match("cannot read missing%.lua"))'), [null, 'cannot read missing.lua'])
  await assert.rejects(run(h, h.states[1], 'dofile("bad.lua")'), /bad\.lua:2:/)
})

test('a module cannot wait for I/O while it loads (require is not yieldable)', async () => {
  await assert.rejects(run(h, h.states[1], 'require "fetch"'), /fetch\.lua:1: .*http\.request: cannot wait for I\/O here/)
})
