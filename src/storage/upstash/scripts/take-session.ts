import { announceRevoked } from "./announce";
import { SESSION_READER } from "./session-fields";

/**
 * Deletes a session and its entry in the user's index, returning what it was. KEYS[1] the session;
 * ARGV[1] the session-index key prefix, ARGV[2] the event stream (session.revoked). Returns {'hash', fields...}, {'json', value} (a session from
 * before sessions were hashes), or nil.
 */
export const TAKE_SESSION = `${SESSION_READER}
local kind = redis.call('TYPE', KEYS[1])
if type(kind) == 'table' then kind = kind['ok'] end
local reply
local user
local id
local org
if kind == 'hash' then
  local f = session_fields(KEYS[1])
  reply = {'hash', f[1] or '', f[2] or '', f[3] or '', f[4] or '0', f[5] or '0', f[6] or '0', f[7] or '', f[8] or '', f[9] or ''}
  id = f[1]
  user = f[2]
  org = f[3]
elseif kind == 'string' then
  local value = redis.call('GET', KEYS[1])
  reply = {'json', value}
  id = string.match(value, '"id":"([%w_]+)"')
  user = string.match(value, '"user_id":"([%w_]+)"')
  org = string.match(value, '"organization_id":"([%w_]+)"')
else
  return false
end
redis.call('DEL', KEYS[1])
if user and id then
  redis.call('HDEL', ARGV[1] .. user, id)
  ${announceRevoked("id", "user", "org or ''", "'revoked'", "ARGV[2]")}
end
return reply
`;
