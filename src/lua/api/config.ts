import { existsSync } from 'node:fs'
import { parseComboAddress, parseNetmask, type Netmask } from '../../net/index.ts'
import { LUA_TTABLE } from '../constants.ts'
import { type HostFunction } from '../host.ts'
import { type LuaState } from '../state.ts'
import { readValue } from '../values.ts'
import { configNotices } from './config-notice.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext } from './context.ts'
import { type HostServices } from './services.ts'
import { type ListenerTls } from '../../config/settings.ts'
import { TrackalertError } from '../../errors.ts'

const TLS_VERSIONS: Record<string, ListenerTls['minVersion']> = {
  tlsv1: 'TLSv1', 'tlsv1.0': 'TLSv1', 'tlsv1.1': 'TLSv1.1', 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3'
}

/**
 * Config-only functions. Every state runs the whole config (as upstream), so these act in the
 * config state only and do nothing in report states.
 */
export function configFunctions (ctx: ApiContext<Pick<HostServices, 'settings' | 'output' | 'daemon'>>): HostFunction[] {
  const { lua, args, services } = ctx
  const { settings } = services
  const notices = configNotices(ctx)
  const raw = lua.raw
  const positive = (L: number, name: string): number => {
    const n = args.integer(L, 1, name)
    if (n < 1) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: expected a positive number, got ${n}`)
    return n
  }
  const netmask = (text: string, name: string): Netmask => {
    const mask = parseNetmask(text)
    if (mask === null) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: '${text}' is not a netmask (address/bits)`)
    return mask
  }
  const listenerNeedsRestart = (L: number, state: LuaState, name: string): boolean => {
    if (!settings.started) return false
    notices.warn(L, state, `${name}() after startup has no effect until the configuration is reloaded`)
    return true
  }
  const addListener = (L: number, state: LuaState, name: string, address: string, useTls: boolean, certFile: string, keyFile: string, opts: Record<string, unknown>): void => {
    if (listenerNeedsRestart(L, state, name)) return
    const ca = parseComboAddress(address)
    if (ca === null || !/:\d+$/.test(address)) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: '${address}' is not an IP:port address`)
    let tls: ListenerTls | null = null
    if (useTls) {
      for (const file of [certFile, keyFile]) {
        if (file === '' || !existsSync(file)) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: TLS ${file === certFile ? 'certificate' : 'key'} file '${file}' not found`)
      }
      const wanted = opts.min_protocol ?? opts.minimum_protocol
      let minVersion: ListenerTls['minVersion']
      if (wanted !== undefined) {
        minVersion = TLS_VERSIONS[String(wanted).toLowerCase()]
        if (minVersion === undefined) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: unknown min_protocol '${String(wanted)}' (TLSv1.2 or TLSv1.3)`)
      }
      tls = { certFile, keyFile, minVersion }
    }
    settings.listeners.push({ address: ca, tls })
  }
  return [
    configOnly('setACL', (L) => {
      args.table(L, 1, 'setACL')
      const list = readValue(lua, L, 1)
      const items = Array.isArray(list) ? list : Object.values(list as object)
      settings.acl = items.map((m) => netmask(String(m), 'setACL'))
    }),
    configOnly('addACL', (L) => { settings.acl = [...settings.acl, netmask(args.string(L, 1, 'addACL'), 'addACL')] }),
    configOnly('webserver', (L, state) => {
      notices.warn(L, state, 'webserver() is deprecated: use addListener() and setWebserverPassword()')
      addListener(L, state, 'webserver', args.string(L, 1, 'webserver'), false, '', '', {})
      settings.webserverPassword = args.string(L, 2, 'webserver')
    }),
    configOnly('addListener', (L, state) => {
      const opts = raw.lua_type(L, 5) === LUA_TTABLE ? readValue(lua, L, 5) as Record<string, unknown> : {}
      addListener(L, state, 'addListener', args.string(L, 1, 'addListener'), args.truthy(L, 2),
        args.optString(L, 3, 'addListener', ''), args.optString(L, 4, 'addListener', ''), opts)
    }),
    configOnly('setWebserverPassword', (L) => { settings.webserverPassword = args.string(L, 1, 'setWebserverPassword') }),
    configOnly('setMetricsNoPassword', () => { settings.metricsNoPassword = true }),
    configOnly('setWebUI', (L) => { settings.webUI = args.boolean(L, 1, 'setWebUI') }),
    configOnly('setMaxWebserverConns', (L) => { settings.maxWebserverConns = positive(L, 'setMaxWebserverConns') }),
    configOnly('setNumLuaStates', (L) => { settings.numLuaStates = positive(L, 'setNumLuaStates') }),
    configOnly('setNumWorkerThreads', (L) => { settings.numWorkerThreads = positive(L, 'setNumWorkerThreads') }),
    configOnly('setNumReportThreads', (L, state) => {
      positive(L, 'setNumReportThreads')
      notices.warn(L, state, 'setNumReportThreads() is deprecated and ignored: reports run on the Lua states (setNumLuaStates)')
    }),
    configOnly('setLuaTimeLimit', (L) => { settings.luaTimeLimitMs = positive(L, 'setLuaTimeLimit') }),
    configOnly('setMaxLuaCallsInFlight', (L) => { settings.maxLuaCallsInFlight = positive(L, 'setMaxLuaCallsInFlight') }),
    configOnly('setMaxQueueWaitMs', (L) => {
      const ms = args.integer(L, 1, 'setMaxQueueWaitMs')
      if (ms < 0) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `setMaxQueueWaitMs: expected 0 (no bound) or a positive number of ms, got ${ms}`)
      settings.maxQueueWaitMs = ms
    }),
    configOnly('setMaxRequestBodySize', (L) => { settings.maxBodyBytes = positive(L, 'setMaxRequestBodySize') })
  ]
}
