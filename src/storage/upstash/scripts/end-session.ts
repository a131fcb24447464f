import { announceRevoked } from "./announce";
import { SESSION_READER } from "./session-fields";

/**
 * Sign-out in one round trip: checks the presented CSRF token against the session's own and, only if
 * it matches, deletes the session and its entry in the user's index. KEYS[1] the session; ARGV[1] the
 * session-index key prefix, ARGV[2] the X-CSRF-Token value ('' when absent), ARGV[3] the event stream
 * (session.revoked is announced with the change itself). The comparison runs over
 * the whole stored token whatever the input, so its time tells nothing about where they differ.
 * Returns {'hash', 9 fields...} (ended), {'csrf_failed'}, {'legacy'} (a session without a stored token,
 * left for the caller's older path), or nil (no such session).
 */
export const END_SESSION = `${SESSION_READER}
local kind = redis.call('TYPE', KEYS[1])
if type(kind) == 'table' then kind = kind['ok'] end
if kind == 'string' then return {'legacy'} end
if kind ~= 'hash' then return false end
local f = session_fields(KEYS[1])
if f[9] == '' then return {'legacy'} end
local given = ARGV[2]
local diff = 0
if #given ~= #f[9] then diff = 1 end
for i = 1, #f[9] do
  if string.byte(given, i) ~= string.byte(f[9], i) then diff = diff + 1 end
end
if diff ~= 0 then return {'csrf_failed'} end
redis.call('DEL', KEYS[1])
if f[1] ~= '' and f[2] ~= '' then redis.call('HDEL', ARGV[1] .. f[2], f[1]) end
${announceRevoked("f[1]", "f[2]", "f[3]", "'signed_out'", "ARGV[3]")}
return {'hash', f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]}
`;
