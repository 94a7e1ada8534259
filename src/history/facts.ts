import { formatIP, type IPAddress } from '../net/index.ts'
import { type Place, type PlaceFinder } from './geo.ts'
import { type HistoryRecord } from './types.ts'

/** The parts of a validated report that history derives its facts from. */
export interface ReportFacts {
  readonly t: number
  readonly login: string
  readonly success: boolean
  readonly failType: string
  readonly protocol: string
  readonly remote: IPAddress
  readonly remoteText: string
  readonly deviceAttrs: Readonly<Record<string, string>> | null
}

/** The network a source belongs to: /24 for IPv4, /56 for IPv6 (a typical residential delegation). */
export function networkPrefix (ip: IPAddress): string {
  if (ip.family === 4) {
    const b = ip.bytes
    return `${b[0]}.${b[1]}.${b[2]}.0/24`
  }
  const bytes = new Uint8Array(16)
  bytes.set(ip.bytes.subarray(0, 7))
  return `${formatIP({ family: 6, bytes })}/56`
}

const known = (v: string | undefined): string | null => (v === undefined || v === '' || v === 'Other' ? null : v)

/**
 * The device family, never its versions (a browser update is not a new device):
 * "Chrome/Windows" for web clients, "imap:Thunderbird/Linux" for IMAP clients,
 * "app:OpenXchange.Mail/iOS" for mobile apps; null when the report says nothing usable.
 */
export function deviceFamily (attrs: Readonly<Record<string, string>> | null): string | null {
  if (attrs === null) return null
  const os = known(attrs['os.family'])
  const withOs = (name: string): string => (os === null ? name : `${name}/${os}`)
  const imap = known(attrs['imapc.family'])
  if (imap !== null) return withOs(`imap:${imap}`)
  const app = known(attrs['app.name'])
  if (app !== null) {
    const brand = known(attrs['app.brand'])
    return withOs(`app:${brand === null ? app : `${brand}.${app}`}`)
  }
  const browser = known(attrs['browser.family'])
  if (browser !== null) return withOs(browser)
  return os === null ? null : `os:${os}`
}

/** What history derives from a report before storing it: also what Lua sees as the current report's facts. */
export interface DerivedFacts {
  readonly prefix: string
  readonly device: string | null
  readonly place: Place
}

export function deriveFacts (report: Pick<ReportFacts, 'remote' | 'remoteText' | 'deviceAttrs'>, places: PlaceFinder): DerivedFacts {
  return { prefix: networkPrefix(report.remote), device: deviceFamily(report.deviceAttrs), place: places.find(report.remote, report.remoteText) }
}

export function toRecord (report: ReportFacts, facts: DerivedFacts, risk: number | null = null): HistoryRecord {
  const { place } = facts
  return {
    t: report.t,
    login: report.login,
    success: report.success,
    failType: report.failType === '' ? null : report.failType,
    protocol: report.protocol,
    remote: report.remoteText,
    prefix: facts.prefix,
    country: place.country,
    city: place.city,
    lat: place.lat,
    lon: place.lon,
    accuracyKm: place.accuracyKm,
    device: facts.device,
    risk
  }
}
