-- New-country policy: a successful login from a country absent from the user's last 90 days
-- of history triggers an e-mail to the user.
--
-- Every network call below (es.search) looks synchronous but does not block the daemon: the
-- report's Lua state waits while the other states keep serving. Each call is bounded by the
-- timeout given to setElasticsearch, and an error is a plain Lua error that pcall catches.

local M = {}

-- Index and field names of the login history (adapt to your mapping).
local INDEX = "logins"
local LOGIN_FIELD = "login"
local COUNTRY_FIELD = "country"
local TIME_FIELD = "t"            -- epoch seconds; with a date field use { gte = "now-90d" }
local HISTORY_SECONDS = 90 * 86400

-- Countries seen for `login` since `since`, as a set, plus the number of logins found.
-- One terms aggregation: Elasticsearch counts, nothing but the buckets comes back (size = 0).
local function countries_since (login, since)
  local result = es.search(INDEX, {
    size = 0,
    query = { bool = { filter = {
      { term = { [LOGIN_FIELD] = login } },
      { range = { [TIME_FIELD] = { gte = since } } },
    } } },
    aggs = { countries = { terms = { field = COUNTRY_FIELD, size = 100 } } },
  })
  local seen = {}
  for _, bucket in ipairs(result.aggregations.countries.buckets) do
    seen[bucket.key] = bucket.doc_count
  end
  return seen, result.hits.total.value
end

-- Where to write to: an "email" attribute sent by the mail server, else the login if it is an address.
local function address_of (lt)
  local email = lt.attrs.email
  if email == nil and lt.login:find("@", 1, true) then email = lt.login end
  return email
end

local function alert (lt, country, known)
  local to = address_of(lt)
  local list = {}
  for c in pairs(known) do list[#list + 1] = c end
  table.sort(list)
  incCustomStat("new_country_alerts")
  infoLog("new country for user", { login = lt.login, country = country, remote = lt.remote:tostring(), known = table.concat(list, ",") })
  if to == nil then return end
  local queued, why = sendMail{
    to = to,
    subject = "New sign-in to your account from " .. country,
    text = table.concat({
      "Hello " .. lt.login .. ",",
      "",
      "your account was just used from " .. lt.remote:tostring() .. " (" .. country .. "),",
      "a country you have not signed in from recently (" .. table.concat(list, ", ") .. ").",
      "Time: " .. os.date("!%Y-%m-%d %H:%M:%S UTC", math.floor(lt.t)),
      "",
      "If this was you, nothing needs to be done. Otherwise change your password now.",
    }, "\n"),
  }
  if not queued then warnLog("new-country mail not queued", { login = lt.login, reason = why }) end
end

function M.report (lt)
  -- Failed logins say nothing about where the real user is.
  if not lt.success then return end
  local country = getGeoIP2DB("CityDB"):lookupCountry(lt.remote)
  if country == "" then return end  -- private or unknown address

  -- Fail open: if Elasticsearch cannot answer, count it and let the login pass unnoticed
  -- rather than mail every user whenever the cluster is slow.
  local ok, known, total = pcall(countries_since, lt.login, lt.t - HISTORY_SECONDS)
  if not ok then
    incCustomStat("new_country_errors")
    warnLog("new-country check skipped", { login = lt.login, error = known })
    return
  end

  -- No history at all: a new user, or one who has not logged in for 90 days. Nothing to compare.
  if total == 0 or known[country] then return end
  -- This login is indexed too, so the next one from the same country is no longer new: one mail per change.
  alert(lt, country, known)
end

-- Custom endpoint: { attrs = { login = "..." } } -> success, { countries = "DE,FR" }.
function M.known_countries (args)
  local login = args.attrs.login
  if login == nil then return false, { error = "attrs.login is required" } end
  local ok, known = pcall(countries_since, login, os.time() - HISTORY_SECONDS)
  if not ok then return false, { error = tostring(known) } end
  local list = {}
  for c in pairs(known) do list[#list + 1] = c end
  table.sort(list)
  return true, { countries = table.concat(list, ",") }
end

return M
