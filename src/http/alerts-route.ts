import { parseAlertQuery } from '../alerts/index.ts'
import { sendJson } from './respond.ts'
import { type Route } from './routes.ts'

/**
 * GET /command/alerts?since=<id>&type=&login=&limit= → {"alerts":[…]} oldest first; 400 with a
 * JSON reason for a bad parameter. The legacy /?command=alerts form takes the same parameters.
 */
export const alertsRoute: Route = {
  method: 'GET',
  public: false,
  handler: (req, res, ctx) => {
    const url = req.url ?? ''
    const q = url.indexOf('?')
    const parsed = parseAlertQuery(new URLSearchParams(q === -1 ? '' : url.slice(q + 1)))
    if ('error' in parsed) {
      ctx.refuse('bad_request', req, parsed.error)
      sendJson(res, 400, JSON.stringify({ status: 'failure', reason: parsed.error }))
      return
    }
    ctx.alerts(parsed.query).then(
      (alerts) => { sendJson(res, 200, JSON.stringify({ alerts })) },
      (err: unknown) => { sendJson(res, 500, JSON.stringify({ status: 'failure', reason: `alerts: ${(err as Error).message}` })) })
  }
}
