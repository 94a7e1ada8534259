import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { type CustomResult } from '../../src/report/custom-endpoint.ts'
import { loadGeneration, type LoadedGeneration } from '../helpers/generation.ts'

/** One state, so the custom endpoint reads what the report function stored. */
const CONFIG = `
setNumLuaStates(1)
local seen = {}
setReport(function(lt) seen[lt.login] = lt.device_attrs end)
setCustomEndpoint("device", function(args) return true, seen[args.attrs.login] or { missing = "yes" } end)
`

let loaded: LoadedGeneration

before(async () => { loaded = await loadGeneration(CONFIG) })
after(() => loaded?.close())

/** Submits a report through the pipeline; resolves with null when accepted, else the rejection. */
function submit (body: unknown): Promise<string | null> {
  return new Promise((resolve) => { loaded.gen.pipeline.submit(body, { reportDone: resolve, reportShed: () => resolve('shed') }) })
}

function custom (name: string, body: unknown): Promise<{ end: string, value: unknown }> {
  return new Promise((resolve) => {
    loaded.gen.customEndpoints.submit(name, body, {
      customRejected: (reason) => resolve({ end: 'rejected', value: reason }),
      customFailed: (message) => resolve({ end: 'failed', value: message }),
      customShed: (retryAfter) => resolve({ end: 'failed', value: `shed, retry after ${retryAfter} s` }),
      customDone: (result: CustomResult) => resolve({ end: 'done', value: result })
    })
  })
}

/** The device_attrs the report function saw for a report of `login` with `fields`. */
async function deviceAttrs (login: string, fields: Record<string, unknown>): Promise<unknown> {
  assert.equal(await submit({ login, remote: '192.0.2.1', pwhash: 'ab', success: true, ...fields }), null)
  const res = await custom('device', { attrs: { login } })
  assert.equal(res.end, 'done')
  return (res.value as CustomResult).rAttrs
}

const HTTP_EMPTY = {
  'browser.family': 'Other', 'browser.major': '', 'browser.minor': '',
  'device.brand': '', 'device.family': 'Other', 'device.model': '',
  'os.family': 'Other', 'os.major': '', 'os.minor': ''
}

test('as wforce: an empty or missing device_id is parsed for http, imap and mobileapi (every key, "" or "Other")', async () => {
  assert.deepEqual(await deviceAttrs('h1', { protocol: 'http', device_id: '' }), HTTP_EMPTY)
  assert.deepEqual(await deviceAttrs('h2', { protocol: 'https' }), HTTP_EMPTY)
  assert.deepEqual(await deviceAttrs('i1', { protocol: 'imap' }), {
    'imapc.family': '', 'imapc.major': '', 'imapc.minor': '', 'os.family': '', 'os.major': '', 'os.minor': ''
  })
  assert.deepEqual(await deviceAttrs('m1', { protocol: 'mobileapi', device_id: '' }), {
    'app.brand': '', 'app.major': '', 'app.minor': '', 'app.name': '', 'device.family': '', 'os.family': '', 'os.major': '', 'os.minor': ''
  })
})

test('a device_id is parsed by the parser its protocol selects; other or no protocol gives no attributes', async () => {
  assert.deepEqual(await deviceAttrs('c1', { protocol: 'http', device_id: 'curl/8.0' }), { ...HTTP_EMPTY, 'browser.family': 'curl', 'browser.major': '8', 'browser.minor': '0' })
  assert.deepEqual(await deviceAttrs('p1', { protocol: 'pop3', device_id: 'curl/8.0' }), {})
  assert.deepEqual(await deviceAttrs('n1', { device_id: 'curl/8.0' }), {})
})

test('device_attrs sent by the client win over parsing, an empty object too', async () => {
  assert.deepEqual(await deviceAttrs('s1', { protocol: 'http', device_id: 'curl/8.0', device_attrs: { 'os.family': 'Custom' } }), { 'os.family': 'Custom' })
  assert.deepEqual(await deviceAttrs('s2', { protocol: 'http', device_id: 'curl/8.0', device_attrs: {} }), {})
})

test('an invalid report is rejected with its reason before Lua and counted by field', async () => {
  assert.match(await submit({ login: 'x', remote: 'not an address', pwhash: 'ab', success: true }) ?? '', /remote/)
  assert.match(await submit({ login: 'x', remote: '192.0.2.1', pwhash: 'ab', success: true, device_attrs: { n: 5 } }) ?? '', /device_attrs\.n/)
  const text = await loaded.stats.metricsText()
  assert.match(text, /trackalert_report_rejected_total\{reason="remote"\} 1\b/)
  assert.match(text, /trackalert_report_rejected_total\{reason="device_attrs"\} 1\b/)
})
