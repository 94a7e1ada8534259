import { type MailMessage } from '../lualib/mail-types.ts'
import { type RoutedAlert } from './input.ts'
import { type DeliveryDone } from './outbox.ts'
import { type AlertSeverity } from './types.ts'

/** e-mail to the user the alert is about (setAlertRoute{ user_mail = {...} }). */
export interface UserMailRoute {
  /** The report attribute holding the address (e.g. "email"). */
  readonly addressAttr: string | null
  /** A Lua function(alert, attrs) returns the address; set when `address` was a function. */
  readonly addressFunction: boolean
  readonly from?: string
  readonly subject: string
  readonly template: string
}

/** One mail listing the alerts since the previous one (setAlertRoute{ admin_digest = {...} }). */
export interface DigestRoute {
  readonly to: readonly string[]
  readonly everyS: number
  readonly from?: string
  readonly subject: string
}

/** One setAlertRoute{...}: which alerts (types, min_severity) go where. */
export interface AlertRoute {
  readonly index: number
  readonly types: readonly string[] | null
  readonly minSeverity: AlertSeverity
  readonly webhooks: readonly string[]
  readonly userMail: UserMailRoute | null
  readonly digest: DigestRoute | null
}

/** How the routes of one configuration reach the outside: its webhooks, mail relay and Lua. */
export interface AlertRoutePorts {
  /**
   * Queues a signed, retried delivery on the named custom webhook; false when not queued.
   * `done` is told how the delivery ended (the persistent outbox): a refusal at shutdown is
   * 'abandoned'; after any other refusal the caller says 'dropped' (a second call is ignored).
   */
  runWebhook (name: string, body: string, done?: DeliveryDone): boolean
  /** Queues a mail on the Lua library's relay; false when not queued (no relay, queue full). `done` as above. */
  sendMail (message: MailMessage, done?: DeliveryDone): boolean
  /** Runs route `index`'s Lua address function; resolves with the address or null. */
  userAddress (index: number, routed: RoutedAlert): Promise<string | null>
}

export const DEFAULT_USER_SUBJECT = 'Security alert for {login}: {type}'
export const DEFAULT_USER_TEMPLATE = [
  'Hello {login},',
  '',
  'we noticed a sign-in to your account that needs your attention ({type}, {severity}),',
  'from {remote} at {time}.',
  '',
  'If this was you, nothing needs to be done. If not, please change your password now.',
  ''
].join('\n')
export const DEFAULT_DIGEST_SUBJECT = 'trackalert: {count} alerts'
