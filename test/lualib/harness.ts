import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DaemonSettings } from '../../src/config/settings.ts'
import { GeoIPRegistry } from '../../src/geoip/index.ts'
import { type ApiModule, type HostServices } from '../../src/lua/api/index.ts'
import { LUA_REGISTRYINDEX } from '../../src/lua/constants.ts'
import { LuaRuntime, runConfigFile } from '../../src/lua/runtime.ts'
import { promiseCall, type LuaArgs } from '../../src/lua/call.ts'
import { type LuaState } from '../../src/lua/state.ts'
import { pushValue, readValue, type LuaPlain } from '../../src/lua/values.ts'
import { type LuaModule } from '../../src/lua/wasm.ts'
import { CustomArgs, LoginTupleArgs } from '../../src/report/lua-args.ts'
import { validateLoginTuple } from '../../src/report/login-tuple.ts'
import { DaemonStats } from '../../src/stats/index.ts'

export interface Harness {
  readonly runtime: LuaRuntime
  readonly lua: LuaModule
  readonly dir: string
  readonly configFile: string
  readonly settings: DaemonSettings
  /** states[0] is the config state, the others report states; all ran the whole config. */
  readonly states: LuaState[]
  close (): Promise<void>
}

export interface HarnessOptions {
  readonly config: string
  readonly modules: readonly ApiModule[]
  /** Report states besides the config state (default 2). */
  readonly reportStates?: number
  readonly timeLimitMs?: number
  readonly dir?: string
}

/**
 * Builds a runtime the way the app does (config state first, then report states running the same
 * file). Only the services these tests touch are real; the others stay unset.
 */
export async function createHarness (opts: HarnessOptions): Promise<Harness> {
  const dir = opts.dir ?? await mkdtemp(join(tmpdir(), 'lualib-'))
  const configFile = join(dir, 'trackalert.conf')
  await writeFile(configFile, opts.config)
  const settings = new DaemonSettings()
  const services = {
    settings,
    stats: new DaemonStats(),
    geoip: new GeoIPRegistry(),
    output: { capturing: false, write: () => {} },
    // One process: config warnings are logged once, from the config state.
    daemon: { speaksForDaemon: true, requestShutdown: () => {}, reloadAll: async () => '' }
  } as unknown as HostServices
  const runtime = await LuaRuntime.create(services, opts.modules)
  const states: LuaState[] = []
  const timeLimit = opts.timeLimitMs ?? 2000
  for (let i = 0; i <= (opts.reportStates ?? 2); i++) {
    const state = runtime.createState(i === 0 ? 'config' : 'report', i, timeLimit)
    await runConfigFile(state, configFile, 'trackalert.conf')
    states.push(state)
  }
  return {
    runtime,
    lua: runtime.lua,
    dir,
    configFile,
    settings,
    states,
    close: async () => { if (opts.dir === undefined) await rm(dir, { recursive: true, force: true }) }
  }
}

export type CallResult = LuaPlain[]

/** Reads a finished call's results as plain values. */
function plainResults (lua: LuaModule): (L: number, n: number) => CallResult {
  return (L, n) => {
    const top = lua.raw.lua_gettop(L)
    const out: LuaPlain[] = []
    for (let i = top - n + 1; i <= top; i++) out.push(readValue(lua, L, i))
    return out
  }
}

/** Runs a call on `state` and resolves with its results read as plain values (rejects with the LuaScriptError). */
export function callRef (lua: LuaModule, state: LuaState, ref: number, args: LuaArgs | null, label: string): Promise<CallResult> {
  return promiseCall((call) => { state.call(ref, call, label) }, plainResults(lua), args)
}

/** Calls global function `name` with plain JS arguments. */
export function callGlobal (h: Harness, state: LuaState, name: string, ...values: unknown[]): Promise<CallResult> {
  const raw = h.lua.raw
  raw.lua_getglobal(state.L, h.lua.cstr(name))
  const ref = raw.luaL_ref(state.L, LUA_REGISTRYINDEX)
  const args: LuaArgs = { push: (L) => { for (const v of values) pushValue(h.lua, L, v); return values.length } }
  return callRef(h.lua, state, ref, args, name).finally(() => raw.luaL_unref(state.L, LUA_REGISTRYINDEX, ref))
}

/** Runs the report function of `state` on a login tuple built from a wforce-style report body. */
export function callReport (h: Harness, state: LuaState, body: Record<string, unknown>): Promise<CallResult> {
  const v = validateLoginTuple({ t: 1700000000, pwhash: 'abcd', success: true, ...body }, Date.now() / 1000)
  if (v.tuple === null) throw new Error(`bad login tuple: ${v.reason} (${v.field})`)
  const args = new LoginTupleArgs(h.lua)
  args.tuple = v.tuple
  return callRef(h.lua, state, state.reportRef, args, 'report')
}

export function callCustom (h: Harness, state: LuaState, name: string, attrs: Record<string, string> = {}): Promise<CallResult> {
  const ref = state.customRefs.get(name)
  if (ref === undefined) throw new Error(`no custom function ${name}`)
  const args = new CustomArgs(h.lua)
  args.attrs = attrs
  return callRef(h.lua, state, ref, args, name)
}

export function callBackground (h: Harness, state: LuaState, name: string): Promise<CallResult> {
  const ref = state.backgroundRefs.get(name)
  if (ref === undefined) throw new Error(`no background function ${name}`)
  return callRef(h.lua, state, ref, null, name)
}

/** Runs a chunk in `state` and resolves with its results. */
export function run (h: Harness, state: LuaState, code: string): Promise<CallResult> {
  return promiseCall((call) => { state.runChunk(code, '=test', call) }, plainResults(h.lua))
}

/** The repository root, found from the compiled test's location (dist/ or .build/<area>/). */
export function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (true) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'trackalert') return dir
    const up = dirname(dir)
    if (up === dir) throw new Error('repository root not found')
    dir = up
  }
}
