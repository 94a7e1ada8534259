import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { cityRecord, mountainView } from '../geoip/fixtures.ts'
import { u32, writeMmdb } from '../geoip/mmdb-writer.ts'
import { eventually } from '../helpers/poll.ts'
import { consoleConfig, consoleExec, report, sample, scrape, writeClientConfig } from './helpers.ts'

const paris = cityRecord({
  city: 'Paris', country: 'FR', countryName: 'France', region: 'IDF', postal: '75001', continent: 'EU', lat: 48.8566, lon: 2.3522
})

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ta-int-geo-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const geo = async (d: RunningDaemon, ip: string): Promise<Record<string, string>> => {
  const res = await request(`${d.url}/command/geo`, { body: { attrs: { ip } } })
  assert.equal(res.status, 200, res.text)
  return res.body.r_attrs as Record<string, string>
}

test('GeoIP2 lookups from Lua, an unknown database, and reloadGeoIPDBs() after the file changes', async (t) => {
  const dir = await tempDir(t)
  await writeMmdb(join(dir, 'city.mmdb'), [
    { network: '192.0.2.0/24', data: mountainView },
    { network: '10.0.0.0/8', data: { isp: 'Example Broadband', autonomous_system_number: u32(64500) } }
  ], { ipVersion: 6, databaseType: 'GeoIP2-City' })
  const cons = consoleConfig()
  const d = await startDaemon({
    dir,
    config: `${cons.lines}
      newGeoIP2DB("City", "city.mmdb")
      local city = getGeoIP2DB("City")
      setCustomEndpoint("geo", function (args)
        local ca = newCA(args.attrs.ip)
        local rec = city:lookupCity(ca)
        return true, {
          country = city:lookupCountry(ca),
          city = rec.city, country_name = rec.country_name, region = rec.region, postal = rec.postal_code,
          continent = rec.continent_code, lat = tostring(rec.latitude), lon = tostring(rec.longitude),
          region_name = city:lookupStringValue(ca, {"subdivisions", "0", "names", "en"}),
          isp = city:lookupISP(ca),
          asn = tostring(city:lookupUIntValue(ca, {"autonomous_system_number"})),
          unknown = getGeoIP2DB("Nope"):lookupCountry(ca)
        }
      end)
    `
  })
  t.after(() => d.stop())

  assert.deepEqual(await geo(d, '192.0.2.10'), {
    country: 'US', city: 'Mountain View', country_name: 'United States', region: 'CA', postal: '94035',
    continent: 'NA', lat: '37.386', lon: '-122.0838', region_name: 'Region CA', isp: '', asn: '0', unknown: ''
  })
  assert.match(d.output(), /getGeoIP2DB\(\): Could not find database named Nope/)
  const isp = await geo(d, '10.1.2.3')
  assert.equal(isp.isp, 'Example Broadband')
  assert.equal(isp.asn, '64500')
  assert.equal(isp.country, '')
  assert.equal((await geo(d, '::ffff:192.0.2.10')).country, 'US', 'IPv4-mapped looks up as IPv4')
  assert.equal((await geo(d, '203.0.113.1')).country, '', 'not in the database')

  // Replace the file atomically, then reload from the console.
  await writeMmdb(join(dir, 'city.new'), [{ network: '192.0.2.0/24', data: paris }], { ipVersion: 6 })
  await rename(join(dir, 'city.new'), join(dir, 'city.mmdb'))
  assert.equal((await geo(d, '192.0.2.10')).country, 'US', 'old data until the reload')
  const r = await consoleExec(await writeClientConfig(d, cons.key), 'reloadGeoIPDBs()')
  assert.equal(r.stdout, 'reloadGeoIPDBs() successful\n')
  const after = await geo(d, '192.0.2.10')
  assert.equal(after.country, 'FR')
  assert.equal(after.city, 'Paris')
  assert.equal(after.region_name, 'Region IDF')
})

test('a missing mmdb file stops the start naming the database and the file', async (t) => {
  const dir = await tempDir(t)
  const d = await startDaemon({ dir, config: 'newGeoIP2DB("CityDB", "missing-city.mmdb")\n', waitFor: null })
  assert.equal(await d.exited, 1)
  assert.match(d.output(), /GeoIP2 database "CityDB" \([^)]*missing-city\.mmdb\)/)
  assert.doesNotMatch(d.output(), /trackalert ready/)
})

test('legacy initGeoIPDB() stops the start and points to newGeoIP2DB', async () => {
  const d = await startDaemon({ config: 'initGeoIPDB()\n', waitFor: null })
  assert.equal(await d.exited, 1)
  assert.match(d.output(), /initGeoIPDB\(\) is no longer supported.*newGeoIP2DB\(name, file\)/)
  assert.match(d.output(), /trackalert\.conf:\d+/)
})

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36'
const DEVICE_REPORT = `
  function report(lt)
    local keys = {}
    for k in pairs(lt.device_attrs) do keys[#keys + 1] = k end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. lt.device_attrs[k] end
    infoLog("device " .. lt.login .. " " .. table.concat(parts, "|"), {})
  end
  setReport(report)
`

/** Sends a report and returns the `k=v|k=v` device line the report function logged for it. */
async function deviceLine (d: RunningDaemon, login: string, extra: Record<string, unknown>): Promise<Record<string, string>> {
  const res = await request(`${d.url}/command/report`, { body: report(login, extra) })
  assert.equal(res.status, 200, res.text)
  const re = new RegExp(`device ${login} ([^\\n]*)\\n`)
  await eventually(() => re.test(d.output()), `the device line of ${login}`)
  const text = (re.exec(d.output()) as RegExpExecArray)[1] as string
  return Object.fromEntries(text.trim() === '' ? [] : text.trim().split('|').map((kv) => kv.split('=') as [string, string]))
}

test('device attributes: parsed for http, imap and mobileapi when absent, taken as they are when sent, cached', async (t) => {
  const d = await startDaemon({ config: DEVICE_REPORT })
  t.after(() => d.stop())

  const chrome = await deviceLine(d, 'c1', { protocol: 'http', device_id: CHROME })
  assert.equal(chrome['browser.family'], 'Chrome')
  assert.equal(chrome['browser.major'], '120')
  assert.equal(chrome['os.family'], 'Windows')
  assert.deepEqual(Object.keys(chrome), ['browser.family', 'browser.major', 'browser.minor', 'device.brand', 'device.family', 'device.model', 'os.family', 'os.major', 'os.minor'])

  const given = await deviceLine(d, 'given', { protocol: 'http', device_id: CHROME, device_attrs: { 'browser.family': 'Given', custom: 'x' } })
  assert.deepEqual(given, { 'browser.family': 'Given', custom: 'x' })

  const imap = await deviceLine(d, 'imap', {
    protocol: 'imap', device_id: '"name" "Mac OS X Mail" "version" "10.0 (3226)" "os" "Mac OS X" "os-version" "10.12 (16A323)" "vendor" "Apple Inc."'
  })
  assert.deepEqual(imap, {
    'imapc.family': 'Mac OS X Mail', 'imapc.major': '10', 'imapc.minor': '0', 'os.family': 'Mac OS X', 'os.major': '10', 'os.minor': '12'
  })

  const mobile = await deviceLine(d, 'mobile', { protocol: 'mobileapi', device_id: 'OpenXchange.iOS.Mail/1.0.3 (OS: 10.0.3; device: iPhone 7 Plus)' })
  assert.equal(mobile['app.brand'], 'OpenXchange')
  assert.equal(mobile['app.name'], 'Mail')
  assert.equal(mobile['os.family'], 'iOS')
  assert.equal(mobile['device.family'], 'iPhone 7 Plus')

  assert.deepEqual(await deviceLine(d, 'pop', { protocol: 'pop3', device_id: CHROME }), {})

  // The same user agent again: answered from the cache.
  let f = await scrape(d)
  const hits = sample(f, 'trackalert_device_cache_hits_total') ?? 0
  const misses = sample(f, 'trackalert_device_cache_misses_total') ?? 0
  assert.equal((await deviceLine(d, 'c2', { protocol: 'https', device_id: CHROME }))['browser.family'], 'Chrome')
  f = await scrape(d)
  assert.equal(sample(f, 'trackalert_device_cache_hits_total'), hits + 1)
  assert.equal(sample(f, 'trackalert_device_cache_misses_total'), misses)
})

test('-R with a custom regexes.yaml changes the parsed device', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'regexes.yaml'), [
    'user_agent_parsers:',
    "  - regex: '(Chrome)/(\\d+)\\.(\\d+)'",
    "    family_replacement: 'Custom $1'",
    'os_parsers:',
    "  - regex: 'Windows NT'",
    "    os_replacement: 'Windowsish'",
    ''
  ].join('\n'))
  const d = await startDaemon({ dir, config: DEVICE_REPORT, args: ['-R', join(dir, 'regexes.yaml')] })
  t.after(() => d.stop())
  const attrs = await deviceLine(d, 'custom', { protocol: 'http', device_id: CHROME })
  assert.equal(attrs['browser.family'], 'Custom Chrome')
  assert.equal(attrs['browser.major'], '120')
  assert.equal(attrs['browser.minor'], '0')
  assert.equal(attrs['os.family'], 'Windowsish')
  assert.equal(attrs['device.family'], 'Other')
})
