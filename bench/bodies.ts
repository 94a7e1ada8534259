import { luaLiteral, WRK_DONE } from './wrk.ts'

/** A current desktop Chrome user agent, as a webmail front end would report it. */
export const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Safari/537.36'

const UA_SLOT = '@@UA@@'
const REMOTE_SLOT = '@@REMOTE@@'

/** The login report body (~300 bytes): what wforce's report webhook posts, without device_attrs. */
export function reportBody (deviceId = CHROME_UA, remote = '192.0.2.44'): string {
  return JSON.stringify({
    login: 'alice.example@example.com',
    remote,
    pwhash: '5e884898da28047151d0e56f8dc62927',
    success: true,
    protocol: 'http',
    device_id: deviceId,
    attrs: { realm: 'mail.example.com', client: 'webmail', tls: 'TLSv1.3' }
  })
}

/** Body of the custom endpoint: `{"attrs":{…}}`. */
export function customBody (): string {
  return JSON.stringify({ attrs: { realm: 'mail.example.com', client: 'webmail', login: 'alice.example@example.com' } })
}

function header (password: string): string {
  const auth = 'Basic ' + Buffer.from(`bench:${password}`).toString('base64')
  return `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "${auth}"
`
}

/** The same body on every request (wrk pre-builds it once per connection). */
export function staticScript (password: string, body: string): string {
  return `${header(password)}wrk.body = ${luaLiteral(body)}\n${WRK_DONE}`
}

/**
 * A body built per request by wrk's request(): `varying` is a Lua expression spliced in at `slot`.
 * Each wrk thread gets its own id (setup) so values differ across threads too.
 */
function varyingScript (password: string, template: string, slot: string, varying: string): string {
  const [prefix, suffix] = template.split(slot)
  return `${header(password)}
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
run = "0"
init = function(args)
  -- A nonce per wrk run, so a later run never repeats an earlier run's values.
  run = args[1] or "0"
  math.randomseed(tid * 7919 + tonumber(run) % 100000)
end
local counter = 0
local prefix = ${luaLiteral(prefix ?? '')}
local suffix = ${luaLiteral(suffix ?? '')}
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, prefix .. ${varying} .. suffix)
end
${WRK_DONE}`
}

/** Every request carries a user agent never seen before: a device cache miss each time. */
export function uniqueUaScript (password: string): string {
  return varyingScript(password, reportBody(UA_SLOT), UA_SLOT,
    '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124." .. run .. "." .. tid .. "." .. counter .. " Safari/537.36"')
}

/** Every request comes from a random address in 16.0.0.0/8 (the generated GeoIP database covers it). */
export function randomRemoteScript (password: string): string {
  return varyingScript(password, reportBody(CHROME_UA, REMOTE_SLOT), REMOTE_SLOT,
    '"16." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)')
}

const LOGIN_REMOTE_SLOT = '@@LOGIN-REMOTE@@'

/**
 * Every request from one of 100K users at a random address: the login and the remote vary
 * together (one slot spans both JSON values), as a history store sees real traffic.
 */
export function randomLoginRemoteScript (password: string): string {
  const template = reportBody(CHROME_UA, 'REMOTE').replace('"alice.example@example.com","remote":"REMOTE"', `"${LOGIN_REMOTE_SLOT}"`)
  return varyingScript(password, template, LOGIN_REMOTE_SLOT,
    '"user" .. math.random(1, 100000) .. "@example.com\\",\\"remote\\":\\"16." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)')
}

/**
 * Logins with habits, as real streams have them: each of 100K users logs in mostly from the same
 * few networks — 60% from a home /24 of their own, 25% from one of 500 workplace networks, 13%
 * from one of 20 carrier gateways, 2% from anywhere (travel, VPN) — so most reports update a
 * profile row that exists instead of adding one.
 */
export function habitualLoginRemoteScript (password: string): string {
  const template = reportBody(CHROME_UA, 'REMOTE').replace('"alice.example@example.com","remote":"REMOTE"', `"${LOGIN_REMOTE_SLOT}"`)
  return varyingScript(password, template, LOGIN_REMOTE_SLOT, `(function()
    local u = math.random(1, 100000)
    local r = math.random(1, 100)
    local net
    if r <= 60 then net = "16." .. (math.floor(u / 256) % 256) .. "." .. (u % 256)
    elseif r <= 85 then local w = u % 500; net = "17." .. math.floor(w / 256) .. "." .. (w % 256)
    elseif r <= 98 then net = "18.0." .. (u % 20)
    else net = "19." .. math.random(0, 255) .. "." .. math.random(0, 255) end
    return "user" .. u .. "@example.com\\",\\"remote\\":\\"" .. net .. "." .. math.random(1, 254)
  end)()`)
}
