/** The fields of a session hash (`ses:<sha256>`), in the order the session scripts return them. */
export const SESSION_FIELDS = [
  "id",
  "user_id",
  "organization_id",
  "created_at",
  "absolute_expires_at",
  "idle_seconds",
  "ip",
  "user_agent",
  "csrf",
] as const;

/**
 * Lua: a function reading those fields of a hash into a table, '' for a missing one. One HGET per
 * field rather than HMGET, whose nil holes the local stack's in-process engine cannot convert.
 */
export const SESSION_READER = `
local function session_fields(key)
  local f = {}
  for i, name in ipairs({${SESSION_FIELDS.map((f) => `'${f}'`).join(", ")}}) do
    f[i] = redis.call('HGET', key, name) or ''
  end
  return f
end
`;
