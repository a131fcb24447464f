import { SESSION_READER } from "./session-fields";

/**
 * Sliding session expiry plus the user's snapshot, in one round trip. KEYS[1] the session; ARGV[1]
 * the snapshot key prefix, ARGV[2] now (ms). The idle window and the user come from the session's own
 * fields, so remembered sessions keep their longer window. The session slides only when the cookie is
 * re-sent, once half the idle window has passed since it was last sent (`cookie_at`, as Lucia does):
 * most requests write no cookie, and the server never outlives the browser's cookie (or the reverse),
 * which a server sliding on every request did (active on day 1, back on day 7.5: the cookie was gone).
 * Returns {'hash', 9 fields..., snapshot, cookie_due}, or {'json', value, snapshot} for a session written
 * before sessions were hashes (read for one release), or nil.
 */
export const TOUCH_SESSION = `${SESSION_READER}
local kind = redis.call('TYPE', KEYS[1])
if type(kind) == 'table' then kind = kind['ok'] end
if kind == 'hash' then
  local f = session_fields(KEYS[1])
  local idle = tonumber(f[6])
  if f[2] == '' or not idle then return false end
  local now = tonumber(ARGV[2])
  local sent = tonumber(redis.call('HGET', KEYS[1], 'cookie_at') or '') or tonumber(f[4]) or 0
  -- The browser's cookie died idle seconds after it was last sent: so does the session, by our clock.
  if now - sent >= idle * 1000 then
    redis.call('DEL', KEYS[1])
    return false
  end
  local due = 0
  if (now - sent) * 2 >= idle * 1000 then
    -- Server and cookie slide together, both from now (never past the absolute cap).
    local ttl = idle
    local left = math.floor(((tonumber(f[5]) or 0) - now) / 1000)
    if left < ttl then ttl = left end
    if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
    redis.call('HSET', KEYS[1], 'cookie_at', ARGV[2])
    due = 1
  end
  local snapshot = redis.call('GET', ARGV[1] .. f[2]) or ''
  return {'hash', f[1], f[2], f[3], f[4], f[5], f[6], f[7] or '', f[8] or '', f[9] or '', snapshot, due}
end
if kind == 'string' then
  local value = redis.call('GET', KEYS[1])
  local idle = tonumber(string.match(value, '"idle_seconds":(%d+)'))
  if idle then redis.call('EXPIRE', KEYS[1], idle) end
  local user = string.match(value, '"user_id":"([%w_]+)"')
  local snapshot = ''
  if user then snapshot = redis.call('GET', ARGV[1] .. user) or '' end
  return {'json', value, snapshot}
end
return false
`;
