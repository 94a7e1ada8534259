import { TrackalertError } from '../../errors.ts'
import { PolicyEngine } from '../../policies/index.ts'
import { LUA_TNIL, LUA_TNONE } from '../constants.ts'
import { readValue } from '../values.ts'
import { type HostFunction } from '../host.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext } from './context.ts'
import { type HostServices } from './services.ts'

/**
 * enablePolicies and setPolicyOptions (configuration), and the `policies` table of the report
 * function. The engine validates; a bad call is checked in every state, so it fails at its own
 * file:line wherever the line runs.
 */
export function policyFunctions (ctx: ApiContext<Pick<HostServices, 'settings'>>): HostFunction[] {
  const { lua, services } = ctx
  const raw = lua.raw
  const optional = (L: number, i: number): unknown => {
    const t = raw.lua_type(L, i)
    return t === LUA_TNONE || t === LUA_TNIL ? undefined : readValue(lua, L, i)
  }
  return [
    configOnly('enablePolicies', (L) => {
      const names = optional(L, 1)
      new PolicyEngine().enablePolicies(names)
      return names
    }, (names) => {
      // The policies judge reports by their history: without it they could only guess.
      if (services.settings.history === null) {
        throw new TrackalertError('TA_ERR_CONFIG_INVALID', 'enablePolicies: the policies need the login history: call setHistory{ ... } before enablePolicies')
      }
      services.settings.policies.enablePolicies(names)
    }),
    configOnly('setPolicyOptions', (L) => {
      const name = optional(L, 1)
      const options = optional(L, 2)
      const scratch = new PolicyEngine()
      scratch.setPolicyOptions(name, options)
      return { name, options }
    }, ({ name, options }) => { services.settings.policies.setPolicyOptions(name, options) })
  ]
}

policyFunctions.prelude = {
  name: 'policies',
  source: `
policies = {
  -- The built-in policies' findings for the current report, not raised by Lua (the daemon raised them):
  -- a site's own policy can decide on them. Empty when none fired or policies are off.
  check = function (lt)
    if type(lt) ~= "table" then error("policies.check: expected the report table (lt)", 2) end
    return lt.policy_findings or {}
  end
}
-- The current report's risk score (successful logins, with enablePolicies), or nil.
function history.risk (lt)
  if type(lt) ~= "table" then return nil, "history.risk: expected the report table (lt)" end
  return lt.risk
end
`
}
