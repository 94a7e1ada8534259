import { TrackalertError } from '../errors.ts'

/** The deprecated legacy-GeoIP Lua functions; trackalert keeps their names only to explain the replacement. */
export const legacyGeoIPFunctions = [
  'initGeoIPDB',
  'initGeoIPCityDB',
  'initGeoIPISPDB',
  'lookupCountry',
  'lookupISP',
  'lookupCity'
] as const

export type LegacyGeoIPFunction = (typeof legacyGeoIPFunctions)[number]

const replacements: Readonly<Record<LegacyGeoIPFunction, string>> = {
  initGeoIPDB: 'newGeoIP2DB(name, file) and getGeoIP2DB(name):lookupCountry(ca)',
  initGeoIPCityDB: 'newGeoIP2DB(name, file) and getGeoIP2DB(name):lookupCity(ca)',
  initGeoIPISPDB: 'newGeoIP2DB(name, file) and getGeoIP2DB(name):lookupISP(ca)',
  lookupCountry: 'getGeoIP2DB(name):lookupCountry(ca) on a database opened with newGeoIP2DB(name, file)',
  lookupISP: 'getGeoIP2DB(name):lookupISP(ca) on a database opened with newGeoIP2DB(name, file)',
  lookupCity: 'getGeoIP2DB(name):lookupCity(ca) on a database opened with newGeoIP2DB(name, file)'
}

/** The one-line explanation raised when a config calls a legacy function. */
export function legacyGeoIPMessage (fn: LegacyGeoIPFunction): string {
  return `${fn}() is no longer supported (legacy GeoIP .dat databases are gone upstream too): use ${replacements[fn]}`
}

/** The error to raise (as a Lua error) from a legacy function's binding. */
export function legacyGeoIPError (fn: LegacyGeoIPFunction): TrackalertError {
  return new TrackalertError('TA_ERR_GEOIP', legacyGeoIPMessage(fn))
}
