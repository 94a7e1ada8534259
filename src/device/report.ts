import { type DeviceAttrs, type DeviceParser } from './parser.ts'

/** The report fields that matter here, as they arrive in the JSON body (types unchecked). */
export interface ReportDeviceFields {
  readonly device_id?: unknown
  readonly protocol?: unknown
  readonly device_attrs?: unknown
}

/**
 * The `device_attrs` a report function sees. As upstream: a `device_attrs` JSON object from the client is used
 * as-is (string values only, even when empty); otherwise `device_id` is parsed according to `protocol`
 * (a missing or non-string field counts as "").
 */
export function resolveDeviceAttrs (parser: DeviceParser, report: ReportDeviceFields): DeviceAttrs {
  const supplied = report.device_attrs
  if (supplied !== null && typeof supplied === 'object' && !Array.isArray(supplied)) {
    const attrs: Record<string, string> = {}
    for (const [key, value] of Object.entries(supplied)) {
      if (typeof value === 'string') attrs[key] = value
    }
    return Object.freeze(attrs)
  }
  const protocol = typeof report.protocol === 'string' ? report.protocol : ''
  const deviceId = typeof report.device_id === 'string' ? report.device_id : ''
  return parser.parse(protocol, deviceId)
}
