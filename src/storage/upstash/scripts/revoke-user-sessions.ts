import { announceRevoked } from "./announce";

/**
 * KEYS[1] the user's session index; ARGV[1] the session key prefix, ARGV[2] the session hash to keep
 * ('' for none), ARGV[3] the event stream, ARGV[4] the user id. Returns how many ended.
 */
export const REVOKE_USER_SESSIONS = `
local entries = redis.call('HGETALL', KEYS[1])
local count = 0
for i = 1, #entries, 2 do
  local hash = entries[i + 1]
  if hash ~= ARGV[2] then
    local org = redis.pcall('HGET', ARGV[1] .. hash, 'organization_id')
    if type(org) ~= 'string' then org = '' end
    local ended = redis.call('DEL', ARGV[1] .. hash)
    count = count + ended
    redis.call('HDEL', KEYS[1], entries[i])
    if ended == 1 then
      ${announceRevoked("entries[i]", "ARGV[4]", "org", "'revoked_all'", "ARGV[3]")}
    end
  end
end
return count
`;
