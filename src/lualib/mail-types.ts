/** setMailRelay{...}; durations in milliseconds. */
export interface MailRelaySettings {
  readonly host: string
  readonly port: number
  /** TLS from the first byte (SMTPS, usually port 465). */
  readonly secure: boolean
  /** true: STARTTLS required; false: never STARTTLS; undefined: STARTTLS when offered. */
  readonly starttls?: boolean
  readonly user?: string
  readonly password?: string
  /** Default From address. */
  readonly from?: string
  /** Bound on each SMTP step (connect, greeting, every command). */
  readonly timeoutMs: number
  /** Mails accepted but not yet delivered (waiting, retrying or being sent); beyond it sendMail drops. */
  readonly queueSize: number
  /** Delivery attempts per mail, the first included. */
  readonly attempts: number
  /** SMTP connections kept to the relay: at most this many mails are sent at once. */
  readonly connections: number
  /** First retry delay; doubles per attempt (with jitter), capped at retryMaxMs. */
  readonly retryDelayMs: number
  readonly retryMaxMs: number
}

export const MAIL_DEFAULTS = {
  port: 25, secure: false, timeoutMs: 10000, queueSize: 1000, attempts: 3, connections: 2, retryDelayMs: 2000, retryMaxMs: 60000
} as const

export interface MailMessage {
  readonly to: readonly string[]
  readonly cc?: readonly string[]
  readonly bcc?: readonly string[]
  readonly subject: string
  readonly text?: string
  readonly html?: string
  readonly from?: string
  readonly replyTo?: string
  readonly headers?: Record<string, string>
}
