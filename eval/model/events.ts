/** One login attempt before it becomes a report; `label` is -1 for legitimate behaviour. */
export interface LoginEvent {
  /** Event time in seconds since the epoch, millisecond precision. */
  readonly t: number
  readonly login: string
  readonly remote: string
  readonly success: boolean
  readonly password: string
  readonly protocol: string
  readonly deviceId: string
  readonly label: number
}

/** Event times are kept to the millisecond so the serialized stream does not depend on float noise. */
export function ms (t: number): number { return Math.round(t * 1000) / 1000 }

export const DAY = 86_400
export const HOUR = 3_600
export const MINUTE = 60
