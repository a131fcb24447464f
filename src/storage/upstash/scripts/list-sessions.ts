import { SESSION_READER } from "./session-fields";

/** The session hashes in a user's index. KEYS[1] the index. */
export const SESSION_INDEX = `return redis.call('HVALS', KEYS[1])`;

/**
 * One session as stored: KEYS[1] the session. Returns {'hash', fields...}, {'json', value} (a session
 * from before sessions were hashes), or nil. Listing runs it once per indexed session, in one MULTI.
 */
export const READ_SESSION = `${SESSION_READER}
local kind = redis.call('TYPE', KEYS[1])
if type(kind) == 'table' then kind = kind['ok'] end
if kind == 'hash' then
  local f = session_fields(KEYS[1])
  return {'hash', f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]}
end
if kind == 'string' then return {'json', redis.call('GET', KEYS[1])} end
return false
`;
