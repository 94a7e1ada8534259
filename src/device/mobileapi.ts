import { splitVersion } from './imap-id.ts'

/**
 * Open-Xchange mobile app device ids (protocol "mobileapi"):
 *   <brand>.<os>.<app>/<major>.<minor>[...] (OS: <major>.<minor>[...]; device: <name>)
 * e.g. "OpenXchange.iOS.Mail/1.0.3 (OS: 10.0.3; device: iPhone 7 Plus)".
 *
 * As upstream: brand is the text before the first dot, os the text between the first and second dots, and the
 * app name runs to the first "/<digits>.<digits>" after that; the OS version follows "OS:" anywhere, the
 * device name follows "device:" and is made of letters, digits, "-", ".", "_", "/", space and tab.
 */
const APP = /^([^.]*)\.([^.]*)\.(.*?)\/(\d+)\.(\d+)/
const OS_VERSION = /OS:[ \t]*(\d+(?:\.\d+)?)/
const DEVICE = /device:[ \t]*([A-Za-z0-9\-._/ \t]+)/

/** The eight mobileapi device attributes, always all present ("" when unknown), in sorted key order. */
export function mobileApiDeviceAttrs (deviceId: string): Record<string, string> {
  const app = APP.exec(deviceId)
  const [osMajor, osMinor] = splitVersion(OS_VERSION.exec(deviceId)?.[1])
  const device = DEVICE.exec(deviceId)?.[1]?.trim() ?? ''
  return {
    'app.brand': app?.[1] ?? '',
    'app.major': app?.[4] ?? '',
    'app.minor': app?.[5] ?? '',
    'app.name': app?.[3] ?? '',
    'device.family': device,
    'os.family': app?.[2] ?? '',
    'os.major': osMajor,
    'os.minor': osMinor
  }
}
