import { SESSION_READER } from "./session-fields";

/**
 * TOUCH_SESSION's read, without its writes, run read-only (EVALSHA_RO) so that a global database
 * answers it at the nearest read replica. KEYS[1] the session; ARGV[1] the snapshot key prefix, ARGV[2]
 * now (ms). Returns {'hash', 9 fields..., snapshot, 0} for a live session that needs no write, else nil:
 * not at this replica (it may be younger than the replication lag), idle-dead (to be deleted), due to
 * slide, or written by an older release. The caller then runs TOUCH_SESSION at the primary, which
 * decides all of those; so a replica can delay a logout by its lag, never invent a session.
 */
export const NEAR_SESSION = `${SESSION_READER}
local kind = redis.call('TYPE', KEYS[1])
if type(kind) == 'table' then kind = kind['ok'] end
if kind ~= 'hash' then return false end
local f = session_fields(KEYS[1])
local idle = tonumber(f[6])
if f[2] == '' or not idle then return false end
local sent = tonumber(redis.call('HGET', KEYS[1], 'cookie_at') or '') or tonumber(f[4]) or 0
if (tonumber(ARGV[2]) - sent) * 2 >= idle * 1000 then return false end
local snapshot = redis.call('GET', ARGV[1] .. f[2]) or ''
return {'hash', f[1], f[2], f[3], f[4], f[5], f[6], f[7] or '', f[8] or '', f[9] or '', snapshot, 0}
`;
