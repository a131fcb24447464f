import { countWindows } from "./rate-limit";

/**
 * Counts the request against its limits and, only if none is over, issues the token, in one step
 * (one round trip before the email is sent). KEYS[1] token key, KEYS[2] the subject's latest-token
 * pointer, KEYS[3..] fixed-window counters (none: just issue); ARGV record, ttl, then limit/window
 * pairs. Returns {1, 0} issued (the previous token revoked) or {0, retry_after} refused (nothing issued,
 * the previous token still valid).
 */
export const ISSUE_TOKEN = `${countWindows(3, 3)}
if blocked == 1 then return {0, retry} end
local previous = redis.call('GET', KEYS[2])
if previous and previous ~= KEYS[1] then redis.call('DEL', previous) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], KEYS[1], 'EX', ARGV[2])
return {1, 0}
`;
