import { type ApiContext, type ApiModule, configOnly, fn } from '../lua/api/index.ts'
import { type HostFunction } from '../lua/host.ts'
import { type LuaPlain } from '../lua/values.ts'
import { MAIL_DEFAULTS, type MailMessage, type MailQueue } from './mail-queue.ts'
import { Options } from './options.ts'
import { TrackalertError } from '../errors.ts'

const RELAY_KEYS = ['host', 'port', 'secure', 'starttls', 'user', 'password', 'from', 'timeout', 'queue_size', 'attempts', 'connections', 'retry_delay']
const MAIL_KEYS = ['to', 'cc', 'bcc', 'subject', 'text', 'html', 'from', 'reply_to', 'headers']

/** A recipient list: "a@x" or { "a@x", "b@y" }. */
function addresses (o: Options, key: string): string[] | undefined {
  const v: LuaPlain | undefined = o.raw(key)
  if (v === undefined || v === null) return undefined
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null
  if (list === null || list.length === 0 || !list.every((a) => typeof a === 'string' && a.trim() !== '')) {
    throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `sendMail: option '${key}' must be an address or a list of addresses`)
  }
  return list as string[]
}

/** setMailRelay (config) and sendMail (anywhere: queues and returns at once). */
export function mailModule (queue: MailQueue): ApiModule {
  return ({ lua, args }: ApiContext<unknown>): HostFunction[] => {
    const raw = lua.raw
    return [
      configOnly('setMailRelay', (L) => {
        args.table(L, 1, 'setMailRelay')
        const o = Options.read(lua, L, 1, 'setMailRelay', RELAY_KEYS)
        const secure = o.boolean('secure') ?? MAIL_DEFAULTS.secure
        const user = o.string('user')
        if (user === undefined && o.has('password')) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "setMailRelay: option 'password' needs 'user'")
        const settings = {
          host: o.requiredString('host'),
          port: o.integer('port', 1) ?? (secure ? 465 : MAIL_DEFAULTS.port),
          secure,
          starttls: o.boolean('starttls'),
          user,
          password: o.string('password'),
          from: o.string('from'),
          timeoutMs: o.seconds('timeout') ?? MAIL_DEFAULTS.timeoutMs,
          queueSize: o.integer('queue_size', 1) ?? MAIL_DEFAULTS.queueSize,
          attempts: o.integer('attempts', 1) ?? MAIL_DEFAULTS.attempts,
          connections: o.integer('connections', 1) ?? MAIL_DEFAULTS.connections,
          retryDelayMs: o.seconds('retry_delay') ?? MAIL_DEFAULTS.retryDelayMs,
          retryMaxMs: MAIL_DEFAULTS.retryMaxMs
        }
        if (settings.secure && settings.starttls === true) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', 'setMailRelay: secure = true already encrypts; starttls applies to plain connections')
        if (settings.port > 65535) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `setMailRelay: port ${settings.port} is out of range`)
        return settings
      }, (settings) => { queue.configure(settings) }),
      fn('sendMail', (L) => {
        args.table(L, 1, 'sendMail')
        if (!queue.configured) throw new TrackalertError('TA_ERR_OUTBOUND', 'sendMail: no mail relay configured (setMailRelay{host = ...})')
        const o = Options.read(lua, L, 1, 'sendMail', MAIL_KEYS)
        const to = addresses(o, 'to')
        if (to === undefined) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "sendMail: option 'to' is required")
        const message: MailMessage = {
          to,
          cc: addresses(o, 'cc'),
          bcc: addresses(o, 'bcc'),
          subject: o.string('subject') ?? '',
          text: o.string('text'),
          html: o.string('html'),
          from: o.string('from'),
          replyTo: o.string('reply_to'),
          headers: o.stringMap('headers')
        }
        if (message.text === undefined && message.html === undefined) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "sendMail: give 'text' or 'html'")
        if (message.from === undefined && queue.settings?.from === undefined) {
          throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "sendMail: no sender: give 'from' here or in setMailRelay")
        }
        if (queue.enqueue(message)) {
          raw.lua_pushboolean(L, 1)
          return 1
        }
        raw.lua_pushboolean(L, 0)
        lua.pushString(L, queue.closed ? 'mail queue closed' : 'mail queue full')
        return 2
      })
    ]
  }
}
