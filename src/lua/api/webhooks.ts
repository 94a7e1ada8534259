import { type HostFunction } from '../host.ts'
import { readValue } from '../values.ts'
import { configNotices } from './config-notice.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext, fn } from './context.ts'
import { type HostServices } from './services.ts'
import { TrackalertError } from '../../errors.ts'

/** addCustomWebHook and the webhook settings (config only); runCustomWebHook (everywhere). */
export function webhookFunctions (ctx: ApiContext<Pick<HostServices, 'webhooks' | 'stats' | 'output' | 'daemon'>>): HostFunction[] {
  const { lua, args, services } = ctx
  const { webhooks, stats } = services
  const notices = configNotices(ctx)
  const seconds = (L: number, name: string): number => {
    const n = args.number(L, 1, name)
    if (!(n > 0)) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: expected a positive number of seconds, got ${n}`)
    return n
  }
  const count = (L: number, name: string): number => {
    const n = args.integer(L, 1, name)
    if (n < 1) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: expected a positive number, got ${n}`)
    return n
  }
  return [
    configOnly('addCustomWebHook', (L) => {
      const name = args.string(L, 1, 'addCustomWebHook')
      args.table(L, 2, 'addCustomWebHook')
      const table = readValue(lua, L, 2)
      const keys: Record<string, string> = {}
      for (const [k, v] of Object.entries(table as Record<string, unknown>)) {
        // Lua configs write kafka=true or num_conns=10; the hook parser takes strings, as upstream's key map does.
        keys[k] = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)
      }
      const hook = webhooks.addHook(name, keys)
      stats.registerWebhook(hook.id, hook.config.url)
    }),
    fn('runCustomWebHook', (L) => {
      const name = args.string(L, 1, 'runCustomWebHook')
      const data = args.string(L, 2, 'runCustomWebHook')
      lua.raw.lua_pushboolean(L, webhooks.run(name, data) ? 1 : 0)
      return 1
    }),
    configOnly('setNumWebHookThreads', (L) => webhooks.configure({ numThreads: count(L, 'setNumWebHookThreads') })),
    configOnly('setNumWebHookConnsPerThread', (L) => webhooks.configure({ connsPerThread: count(L, 'setNumWebHookConnsPerThread') })),
    configOnly('setWebHookQueueSize', (L) => webhooks.configure({ queueSize: count(L, 'setWebHookQueueSize') })),
    configOnly('setWebHookTimeoutSecs', (L) => webhooks.configure({ timeoutMs: seconds(L, 'setWebHookTimeoutSecs') * 1000 })),
    configOnly('setWebHookMaxAttempts', (L) => webhooks.configure({ maxAttempts: count(L, 'setWebHookMaxAttempts') })),
    configOnly('setWebHookMaxAgeSecs', (L) => webhooks.configure({ maxAgeMs: seconds(L, 'setWebHookMaxAgeSecs') * 1000 })),
    configOnly('setWebHookDrainTimeoutSecs', (L) => webhooks.configure({ drainTimeoutMs: seconds(L, 'setWebHookDrainTimeoutSecs') * 1000 })),
    configOnly('disableCurlPeerVerification', (L, state) => {
      notices.warn(L, state, 'disableCurlPeerVerification(): outbound HTTPS certificates are not verified')
      webhooks.configure({ tls: { verifyPeer: false } })
    }),
    configOnly('disableCurlHostVerification', (L, state) => {
      notices.warn(L, state, 'disableCurlHostVerification(): outbound HTTPS host names are not verified')
      webhooks.configure({ tls: { verifyHost: false } })
    }),
    configOnly('setCurlCABundleFile', (L) => webhooks.configure({ tls: { caBundleFile: args.string(L, 1, 'setCurlCABundleFile') } })),
    configOnly('setCurlClientCertAndKey', (L) => webhooks.configure({
      tls: { clientCertFile: args.string(L, 1, 'setCurlClientCertAndKey'), clientKeyFile: args.string(L, 2, 'setCurlClientCertAndKey') }
    }))
  ]
}
