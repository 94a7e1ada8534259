import { parseAlertQuery } from '../alerts/index.ts'
import { parsedQuery } from './query.ts'
import { sendFailure, sendJson } from './respond.ts'
import { type Route } from './routes.ts'

/**
 * GET /command/alerts?since=<id>&type=&login=&limit= → {"alerts":[…]} oldest first; 400 with a
 * JSON reason for a bad parameter. The legacy /?command=alerts form takes the same parameters.
 */
export const alertsRoute: Route = {
  method: 'GET',
  public: false,
  handler: (req, res, ctx) => {
    const query = parsedQuery(req, res, ctx, parseAlertQuery)
    if (query === null) return
    ctx.alerts(query).then(
      (alerts) => { sendJson(res, 200, JSON.stringify({ alerts })) },
      (err: unknown) => { sendFailure(res, 500, `alerts: ${(err as Error).message}`) })
  }
}
