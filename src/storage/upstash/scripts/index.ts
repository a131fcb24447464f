// Lua for steps that must be atomic across isolates, one script per file. Key names come from
// redisKeys (passed in as KEYS, or as key prefixes in ARGV), never written here. The scripts avoid cjson
// and error_reply, so the local stack's in-process engine runs them too.
export { CLAIM } from "./claim";
export { CONSUME_TOKEN } from "./consume-token";
export { END_SESSION } from "./end-session";
export { ISSUE_OTP } from "./issue-otp";
export { ISSUE_TOKEN } from "./issue-token";
export { READ_SESSION, SESSION_INDEX } from "./list-sessions";
export { NEAR_SESSION } from "./near-session";
export { PEEK_LIMIT } from "./peek-limit";
export { RATE_LIMIT } from "./rate-limit";
export { READ_AT_PRIMARY } from "./read-at-primary";
export { RELEASE_OTP } from "./release-otp";
export { RELEASE_TOKEN } from "./release-token";
export { REVOKE_REFRESH } from "./revoke-refresh";
export { REVOKE_USER_SESSIONS } from "./revoke-user-sessions";
export { ROTATE_REFRESH } from "./rotate-refresh";
export { SETTLE } from "./settle";
export { SMS_GATE } from "./sms-gate";
export { TAKE_SESSION } from "./take-session";
export { TOUCH_SESSION } from "./touch-session";
export { UNROTATE_REFRESH } from "./unrotate-refresh";
export { UPDATE_SESSION } from "./update-session";
export { VERIFY_OTP } from "./verify-otp";
