import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, request, type RunningDaemon } from '../helpers/daemon.ts'
import { reportBody } from '../helpers/http-client.ts'
import { EVAL_ENDPOINT, evalLua } from '../helpers/lua-eval.ts'

const CONFIG = EVAL_ENDPOINT + `
local trusted = newNetmaskGroup()
trusted:addMask("192.0.2.0/24")
trusted:addMask("2001:db8::/32")
local single = newNetmask("198.51.100.0/25")
function report(lt)
  infoLog("checked", { login = lt.login, group = tostring(trusted:match(lt.remote)), mask = tostring(single:match(lt.remote)) })
end
setReport(report)
`

let d: RunningDaemon

before(async () => { d = await startDaemon({ config: CONFIG }) })
after(() => d?.stop())

test('newCA: tostring, tostringWithPort, family checks', async () => {
  const r = await evalLua(d, `
    local v4 = newCA("192.0.2.1")
    local v4p = newCA("192.0.2.1:8080")
    local v6 = newCA("2001:DB8:0::1")
    local v6p = newCA("[2001:db8::1]:53")
    local mapped = newCA("::ffff:192.0.2.1")
    return {
      v4 = v4:tostring(), v4wp = v4:tostringWithPort(), v4p = v4p:tostringWithPort(), v4port = v4p:getPort(),
      v4is4 = v4:isIPv4(), v4is6 = v4:isIPv6(), v4mapped = v4:isMappedIPv4(),
      v6 = v6:tostring(), v6p = v6p:tostringWithPort(), v6is4 = v6:isIPv4(), v6is6 = v6:isIPv6(), v6mapped = v6:isMappedIPv4(),
      mapped = mapped:isMappedIPv4(), mappedIs6 = mapped:isIPv6(), unmapped = mapped:mapToIPv4():tostring(),
      str = tostring(v4), eq = v4 == newCA("192.0.2.1"), ne = v4 == v4p
    }`)
  assert.deepEqual(r, {
    v4: '192.0.2.1', v4wp: '192.0.2.1:0', v4p: '192.0.2.1:8080', v4port: '8080',
    v4is4: 'true', v4is6: 'false', v4mapped: 'false',
    v6: '2001:db8::1', v6p: '[2001:db8::1]:53', v6is4: 'false', v6is6: 'true', v6mapped: 'false',
    mapped: 'true', mappedIs6: 'true', unmapped: '192.0.2.1',
    str: '192.0.2.1', eq: 'true', ne: 'false'
  })
})

test('newCA of a hostname or garbage raises an error naming newCA', async () => {
  const r = await evalLua(d, `
    local ok1, e1 = pcall(newCA, "mail.example.com")
    local ok2, e2 = pcall(newCA, "192.0.2.256")
    local ok3, e3 = pcall(newCA)
    return { ok1 = ok1, e1 = e1, ok2 = ok2, e2 = e2, ok3 = ok3, e3 = e3 }`)
  assert.equal(r.ok1, 'false')
  assert.match(r.e1, /newCA: 'mail\.example\.com' is not an IP address/)
  assert.equal(r.ok2, 'false')
  assert.match(r.e2, /newCA/)
  assert.equal(r.ok3, 'false')
  assert.match(r.e3, /bad argument #1 to 'newCA'/)
})

test('newNetmask: toStringNetwork and match against ComboAddresses and strings', async () => {
  const r = await evalLua(d, `
    local nm = newNetmask("192.0.2.77/24")
    local v6 = newNetmask("2001:db8::/32")
    return {
      net = nm:toStringNetwork(), bits = nm:getBits(),
      inside = nm:match(newCA("192.0.2.200")), outside = nm:match(newCA("192.0.3.1")),
      str = nm:match("192.0.2.1"), edge = newNetmask("10.0.0.0/8"):match(newCA("10.255.255.255")),
      v6net = v6:toStringNetwork(), v6in = v6:match(newCA("2001:db8:ffff::1")), v6out = v6:match(newCA("2001:db9::1")),
      cross = v6:match(newCA("192.0.2.1")),
      host = newNetmask("192.0.2.9/32"):match(newCA("192.0.2.9")),
      all = newNetmask("0.0.0.0/0"):match(newCA("203.0.113.1"))
    }`)
  assert.deepEqual(r, {
    net: '192.0.2.0/24', bits: '24', inside: 'true', outside: 'false', str: 'true', edge: 'true',
    v6net: '2001:db8::/32', v6in: 'true', v6out: 'false', cross: 'false', host: 'true', all: 'true'
  })
  const bad = await evalLua(d, 'local ok, e = pcall(newNetmask, "192.0.2.0/40") return { ok = ok, e = e }')
  assert.equal(bad.ok, 'false')
  assert.match(bad.e, /newNetmask/)
})

test('newNetmaskFromCA takes the bits or defaults to a host mask', async () => {
  const r = await evalLua(d, `
    local ca = newCA("192.0.2.77")
    return {
      n24 = newNetmaskFromCA(ca, 24):toStringNetwork(),
      host = newNetmaskFromCA(ca):toStringNetwork(),
      v6 = newNetmaskFromCA(newCA("2001:db8::1"), 48):toStringNetwork(),
      v6host = newNetmaskFromCA(newCA("2001:db8::1")):toStringNetwork(),
      m = newNetmaskFromCA(ca, 16):match(newCA("192.0.200.1"))
    }`)
  assert.deepEqual(r, { n24: '192.0.2.0/24', host: '192.0.2.77/32', v6: '2001:db8::/48', v6host: '2001:db8::1/128', m: 'true' })
})

test('newNetmaskGroup: addMask, match, size, clear', async () => {
  const r = await evalLua(d, `
    local g = newNetmaskGroup()
    local empty = g:size()
    local emptyMatch = g:match(newCA("10.0.0.1"))
    g:addMask("10.0.0.0/8")
    g:addMask("2001:db8::/32")
    g:addMask("192.0.2.7/32")
    local size = g:size()
    local m1, m2, m3, m4 = g:match(newCA("10.1.2.3")), g:match("2001:db8::5"), g:match(newCA("192.0.2.7")), g:match(newCA("192.0.2.8"))
    g:clear()
    local other = newNetmaskGroup()
    other:addMask("203.0.113.0/24")
    return { empty = empty, emptyMatch = emptyMatch, size = size, m1 = m1, m2 = m2, m3 = m3, m4 = m4,
      cleared = g:size(), after = g:match(newCA("10.1.2.3")), other = other:match(newCA("203.0.113.9")), otherSize = other:size() }`)
  assert.deepEqual(r, {
    empty: '0', emptyMatch: 'false', size: '3', m1: 'true', m2: 'true', m3: 'true', m4: 'false',
    cleared: '0', after: 'false', other: 'true', otherSize: '1'
  })
  const bad = await evalLua(d, 'local ok, e = pcall(function() newNetmaskGroup():addMask("nope") end) return { ok = ok, e = e }')
  assert.equal(bad.ok, 'false')
  assert.match(bad.e, /addMask/)
})

test('a NetmaskGroup and a Netmask built in the config match lt.remote in the report function', async () => {
  const cases: Array<[string, string, string, string]> = [
    ['in-v4', '192.0.2.10', 'true', 'false'],
    ['mapped', '::ffff:192.0.2.11', 'true', 'false'],
    ['in-v6', '2001:db8::77', 'true', 'false'],
    ['mask', '198.51.100.127', 'false', 'true'],
    ['outside', '198.51.100.128', 'false', 'false']
  ]
  for (const [login, remote] of cases) {
    assert.equal((await request(`${d.url}/command/report`, { body: reportBody({ login, remote }) })).status, 200)
  }
  for (const [login, , group, mask] of cases) {
    await d.waitForOutput(`info checked group="${group}" login="${login}" mask="${mask}"`, 5000)
  }
})
