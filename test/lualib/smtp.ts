import { type AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'

export interface ReceivedMail {
  readonly from: string
  readonly to: string[]
  readonly raw: string
  readonly user: string | undefined
  readonly secure: boolean
}

export interface TestSmtp {
  readonly port: number
  readonly mails: ReceivedMail[]
  /** Reject the next `count` messages with `code` (e.g. 451 temporary, 550 permanent). */
  rejectNext (count: number, code: number): void
  /** Hold messages until release() (to fill the queue). */
  hold (): void
  release (): void
  /** Resolves once `n` mails have been received. */
  waitFor (n: number): Promise<void>
  close (): Promise<void>
}

/** A real SMTP relay (the smtp-server package) on a free loopback port. */
export async function startSmtp (opts: { users?: Record<string, string>, tls?: { key: Buffer, cert: Buffer } } = {}): Promise<TestSmtp> {
  const mails: ReceivedMail[] = []
  let rejects = 0
  let rejectCode = 451
  let held: Array<() => void> | null = null
  const waiters: Array<{ n: number, resolve: () => void }> = []
  const options: SMTPServerOptions = {
    logger: false,
    authOptional: opts.users === undefined,
    allowInsecureAuth: true,
    disabledCommands: opts.tls === undefined ? ['STARTTLS'] : [],
    ...(opts.tls ?? {}),
    onAuth (auth, _session, cb) {
      if (opts.users?.[auth.username ?? ''] === auth.password) cb(null, { user: auth.username })
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
    onData (stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const finish = (): void => {
          if (rejects > 0) {
            rejects--
            cb(Object.assign(new Error(rejectCode < 500 ? 'Try again later' : 'Mailbox unavailable'), { responseCode: rejectCode }))
            return
          }
          mails.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            user: session.user as string | undefined,
            secure: session.secure
          })
          for (const w of waiters.filter((x) => mails.length >= x.n)) { waiters.splice(waiters.indexOf(w), 1); w.resolve() }
          cb()
        }
        if (held !== null) held.push(finish)
        else finish()
      })
    }
  }
  const server = new SMTPServer(options)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    port,
    mails,
    rejectNext (count, code) { rejects = count; rejectCode = code },
    hold () { held = [] },
    release () { const list = held ?? []; held = null; for (const f of list) f() },
    waitFor (n) {
      if (mails.length >= n) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ n, resolve }))
    },
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
