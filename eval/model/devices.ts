/**
 * Client programs as the daemon sees them: real user-agent strings, IMAP IDs and mobile app ids.
 * A device has a family (what `new_device` should key on) and a version that moves forward with
 * browser and app updates: a version change is the same device, a family change is a new one.
 */
import type { Rng } from '../rng.ts'

export type Protocol = 'http' | 'imap' | 'mobileapi'

export interface DeviceKind {
  /** Stable family name, e.g. "Chrome/Windows": what a new-device rule should compare. */
  readonly family: string
  readonly protocol: Protocol
  readonly mobile: boolean
  /** Version at the start of the simulation, and days between updates (0: never updates). */
  readonly baseVersion: number
  readonly updateDays: number
  readonly ua: (version: number) => string
}

const chromeWin: DeviceKind = { family: 'Chrome/Windows', protocol: 'http', mobile: false, baseVersion: 131, updateDays: 28, ua: (v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36` }
const edgeWin: DeviceKind = { family: 'Edge/Windows', protocol: 'http', mobile: false, baseVersion: 131, updateDays: 28, ua: (v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0` }
const firefoxWin: DeviceKind = { family: 'Firefox/Windows', protocol: 'http', mobile: false, baseVersion: 133, updateDays: 28, ua: (v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0` }
const firefoxLinux: DeviceKind = { family: 'Firefox/Linux', protocol: 'http', mobile: false, baseVersion: 133, updateDays: 28, ua: (v) => `Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0` }
const safariMac: DeviceKind = { family: 'Safari/Mac OS X', protocol: 'http', mobile: false, baseVersion: 17, updateDays: 0, ua: (v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v}.6 Safari/605.1.15` }
const chromeMac: DeviceKind = { family: 'Chrome/Mac OS X', protocol: 'http', mobile: false, baseVersion: 131, updateDays: 28, ua: (v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36` }
const safariIphone: DeviceKind = { family: 'Mobile Safari/iOS', protocol: 'http', mobile: true, baseVersion: 1, updateDays: 45, ua: (v) => `Mozilla/5.0 (iPhone; CPU iPhone OS 18_${v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.${v} Mobile/15E148 Safari/604.1` }
const chromeAndroid: DeviceKind = { family: 'Chrome Mobile/Android', protocol: 'http', mobile: true, baseVersion: 131, updateDays: 28, ua: (v) => `Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36` }
const thunderbird: DeviceKind = { family: 'Thunderbird', protocol: 'imap', mobile: false, baseVersion: 3, updateDays: 35, ua: (v) => `"name" "Thunderbird" "version" "128.${v}.0"` }
const appleMail: DeviceKind = { family: 'Mac OS X Mail', protocol: 'imap', mobile: false, baseVersion: 0, updateDays: 0, ua: () => '"name" "Mac OS X Mail" "version" "16.0 (3776.700.51)" "os" "Mac OS X" "os-version" "14.6 (23G80)" "vendor" "Apple Inc."' }
const iosMail: DeviceKind = { family: 'iOS Mail', protocol: 'imap', mobile: true, baseVersion: 1, updateDays: 45, ua: (v) => `"name" "iPhone Mail" "version" "22B${80 + v}" "os" "iOS" "os-version" "18.${v}" "vendor" "Apple Inc."` }
const oxAppIos: DeviceKind = { family: 'OpenXchange Mail/iOS', protocol: 'mobileapi', mobile: true, baseVersion: 4, updateDays: 30, ua: (v) => `OpenXchange.iOS.Mail/2.${v}.1 (OS: 18.1; device: iPhone 15)` }
const oxAppAndroid: DeviceKind = { family: 'OpenXchange Mail/Android', protocol: 'mobileapi', mobile: true, baseVersion: 4, updateDays: 30, ua: (v) => `OpenXchange.Android.Mail/2.${v}.0 (OS: 14; device: Pixel 8)` }

export const DESKTOP_KINDS: readonly DeviceKind[] = [chromeWin, edgeWin, firefoxWin, firefoxLinux, safariMac, chromeMac, thunderbird, appleMail]
const DESKTOP_WEIGHTS = [36, 10, 8, 3, 12, 8, 15, 8]
export const PHONE_KINDS: readonly DeviceKind[] = [safariIphone, chromeAndroid, iosMail, oxAppIos, oxAppAndroid]
const PHONE_WEIGHTS = [25, 30, 25, 8, 12]

/** Tools attackers use: scripted clients, headless browsers, or a plain desktop UA copied from a list. */
export const ATTACK_USER_AGENTS: readonly string[] = [
  'python-requests/2.31.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  'curl/8.4.0',
  'Go-http-client/1.1',
  'Mozilla/5.0 (Windows NT 6.1; WOW64; rv:54.0) Gecko/20100101 Firefox/54.0'
]

export interface OwnedDevice {
  readonly kind: DeviceKind
  /** Simulated day on which this device first appears (new phones appear mid-simulation). */
  readonly fromDay: number
  /** Day offset of the first update, so a population does not update all on the same day. */
  readonly updatePhase: number
}

export function desktopKind (rng: Rng): DeviceKind { return rng.weighted(DESKTOP_KINDS, DESKTOP_WEIGHTS) }
export function phoneKind (rng: Rng): DeviceKind { return rng.weighted(PHONE_KINDS, PHONE_WEIGHTS) }

/** The device's version on `day` (updates on a fixed cadence from its phase). */
export function versionOn (dev: OwnedDevice, day: number): number {
  if (dev.kind.updateDays === 0) return dev.kind.baseVersion
  return dev.kind.baseVersion + Math.max(0, Math.floor((day + dev.updatePhase) / dev.kind.updateDays))
}

export function deviceString (dev: OwnedDevice, day: number): string { return dev.kind.ua(versionOn(dev, day)) }
