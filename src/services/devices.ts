import type { Config } from "../config";
import { signJwt, verifyJwt } from "../crypto/jwt";
import { generateId } from "../crypto/random";
import { AuthError } from "../errors";
import type { Device, SessionOrganization, UserSnapshot } from "../ports";
import { apiKeyScopes } from "./api-keys";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import type { Identity } from "./identity";
import { PAIRING_FAILURES } from "./limits";
import { consumeOneTimeToken, issueOneTimeToken, peekOneTimeToken, releaseOnFailure } from "./one-time-tokens";
import { authorize, type Principal } from "./policy";
import { membership } from "./session";

// Pairing: a signed-in runtime asks for a code (256-bit token, 5 minutes, single use), the phone opens
// the deep link, and the app exchanges the code for a long-lived device JWT. Device tokens have their
// own `typ` and audience, so they are never accepted as access tokens, nor access tokens as them.

export const DEVICE_TOKEN_TYPE = "device+jwt";
const PAIRING_TTL_MS = 5 * 60 * 1000;

export const deviceAudience = (config: Config): string => `${config.jwt.audience}/devices`;

export function deepLink(config: Config, token: string): string {
  return `${config.devices.appScheme}://pair?token=${token}`;
}

/**
 * Any credential but a device may ask for a code (a key needs `write`). A key pairs on behalf of the
 * member who minted it, and the device it yields holds at most the key's scopes and dies with the key.
 * One outstanding code per (user, peer_id): two runtimes of one user can pair at once.
 */
export async function createPairingCode(
  ctx: ServiceContext,
  principal: Principal,
  peerId: string | null,
): Promise<{ token: string; deep_link: string; pair_url: string; expires_in: number }> {
  const { config } = ctx;
  authorize(principal, "pairing.create", { organizationId: principal.organizationId });
  const userId = principal.userId;
  if (!userId)
    throw new AuthError("forbidden", { message: "This API key has no member behind it to pair devices for." });
  const viaKey = principal.kind === "api_key";
  const data = {
    user_id: userId,
    organization_id: principal.organizationId,
    peer_id: peerId,
    api_key_id: viaKey ? principal.keyId : null,
    scopes: viaKey ? principal.scopes.join(" ") : null,
    // Chosen now, so pairing with this code again (the app's retry after a lost answer) finds the same
    // device instead of making a second one.
    device_id: generateId("dev", ctx.now()),
  };
  const subject = `${principal.organizationId}:${userId}:${peerId ?? ""}`;
  const { token } = await issueOneTimeToken(ctx, "pairing", subject, PAIRING_TTL_MS, data);
  return {
    token,
    deep_link: deepLink(config, token),
    pair_url: `${config.publicOrigin}/v1/pairing/link/${token}`,
    expires_in: PAIRING_TTL_MS / 1000,
  };
}

/** For the link page: whether the code is still usable, without spending it. */
export async function pairingCodeValid(ctx: ServiceContext, token: string): Promise<boolean> {
  return (await peekOneTimeToken(ctx, "pairing", token)) !== null;
}

export interface Paired {
  token: string;
  gateway_url: string;
  peer_id: string | null;
  device_id: string;
}

/** Spends the code atomically (one device per code, whatever the concurrency) and records the device. */
export async function pairDevice(
  ctx: ServiceContext,
  input: { pairingToken: string; pushToken: string; platform: "ios" | "android"; deviceName: string },
): Promise<Paired> {
  const { deps, config } = ctx;
  const record = await consumeOneTimeToken(ctx, "pairing", input.pairingToken, {
    key: `pair_fail:ip:${ctx.ip}`,
    ...PAIRING_FAILURES,
  });
  const now = deps.clock.now();
  const { user_id, organization_id, peer_id } = record.data as {
    user_id: string;
    organization_id: string;
    peer_id: string | null;
  };
  const apiKeyId = typeof record.data.api_key_id === "string" ? record.data.api_key_id : null;
  const scopes = typeof record.data.scopes === "string" ? record.data.scopes.split(" ").filter(Boolean) : null;
  const device = await releaseOnFailure(
    () =>
      deps.devices.create({
        id: typeof record.data.device_id === "string" ? record.data.device_id : generateId("dev", now),
        userId: user_id,
        organizationId: organization_id,
        platform: input.platform,
        name: input.deviceName,
        pushToken: input.pushToken,
        peerId: peer_id,
        apiKeyId,
        scopes,
        now,
      }),
    () => deps.tokens.release(record),
  );
  // Revoked between the first pairing and its retry: the code bought that device, nothing more.
  if (!device) throw new AuthError("token_invalid");
  const [token] = await Promise.all([
    signJwt(
      deps.keys.signing,
      {
        org: organization_id,
        uid: user_id,
        iat_ms: now,
        ...(apiKeyId ? { key: apiKeyId, scope: (scopes ?? []).join(" ") } : {}),
      },
      {
        typ: DEVICE_TOKEN_TYPE,
        issuer: config.jwt.issuer,
        audience: deviceAudience(config),
        subject: device.id,
        expiresInSeconds: config.devices.tokenTtlSeconds,
        now,
      },
      // Best effort: a cold cache only costs the device's first check one statement.
    ),
    deps.deviceState.markActive(device.id).catch(() => undefined),
  ]);
  logAuthEvent("device.paired", { user_id, organization_id, session_id: device.id, ip: ctx.ip }, now);
  return { token, gateway_url: config.devices.gatewayUrl, peer_id, device_id: device.id };
}

export interface DeviceIdentity {
  identity: Identity;
  snapshot: UserSnapshot;
  organization: SessionOrganization;
}

/**
 * Verifies a device JWT and that the device still may act: not revoked, issued after its user's
 * not-before (logout-all, password reset, disable), user still in the organization. One Redis round
 * trip; `last_seen_at` is stamped after the response, at most once a minute.
 */
export async function verifyDeviceToken(ctx: ServiceContext, token: string): Promise<DeviceIdentity | null> {
  const { deps, config } = ctx;
  const payload = await verifyJwt(deps.keys.signing, token, {
    typ: DEVICE_TOKEN_TYPE,
    issuer: config.jwt.issuer,
    audience: deviceAudience(config),
    now: deps.clock.now(),
  });
  if (
    !payload ||
    typeof payload.sub !== "string" ||
    typeof payload.uid !== "string" ||
    typeof payload.org !== "string" ||
    typeof payload.iat_ms !== "number"
  )
    return null;
  const keyId = typeof payload.key === "string" ? payload.key : null;
  // A device paired through a key lives only as long as the key does, with no more than its scopes.
  const [state, keyScopes] = await Promise.all([
    deps.deviceState.state(payload.sub, payload.uid),
    keyId ? apiKeyScopes(ctx, keyId) : null,
  ]);
  if (payload.iat_ms < state.notBefore) return null;
  if (keyId && keyScopes === null) return null;
  if (state.active === null) {
    // Not cached (expired, or Redis lost it): Postgres decides, and a revoked device stays revoked.
    if (!(await deps.devices.isActive(payload.sub))) return null;
    const deviceId = payload.sub;
    ctx.defer("device_active", () => deps.deviceState.markActive(deviceId));
  }
  const member = await membership(ctx, state.snapshot, payload.uid, payload.org);
  if (!member) return null;
  const { snapshot, organization } = member;
  if (payload.iat_ms < (snapshot.tokens_not_before ?? 0)) return null;
  const deviceId = payload.sub;
  ctx.defer("device_last_seen", async () => {
    if (await deps.deviceState.shouldStampUse(deviceId)) await deps.devices.touch(deviceId, deps.clock.now());
  });
  return {
    snapshot,
    organization,
    identity: {
      kind: "device",
      user_id: snapshot.user.id,
      organization_id: organization.id,
      plan_tier: organization.plan_tier,
      scopes: keyScopes
        ? (typeof payload.scope === "string" ? payload.scope.split(" ") : []).filter((s) => keyScopes.includes(s))
        : ["device"],
      credential_id: deviceId,
    },
  };
}

/** Whether the policy lets the caller act on every device of its organization (else only its own). */
function mayActOnAll(principal: Principal, action: "devices.read_all" | "devices.revoke_any"): boolean {
  try {
    authorize(principal, action, { organizationId: principal.organizationId });
    return true;
  } catch (error) {
    // A key without the scope is refused outright; a member falls back to their own devices.
    if (principal.kind === "api_key" || principal.kind === "device") throw error;
    return false;
  }
}

/** Members see their own devices; owners, admins and read-scoped keys see the organization's. */
export async function listDevices(ctx: ServiceContext, principal: Principal): Promise<Device[]> {
  const { deps } = ctx;
  return deps.devices.list(
    principal.organizationId,
    mayActOnAll(principal, "devices.read_all") ? null : principal.userId,
  );
}

/** Revokes a device: its token fails on the very next request. Members revoke their own; owners, admins and admin keys any. */
export async function revokeDevice(ctx: ServiceContext, principal: Principal, deviceId: string): Promise<Device> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const device = await deps.devices.revoke(
    principal.organizationId,
    deviceId,
    mayActOnAll(principal, "devices.revoke_any") ? null : principal.userId,
    now,
  );
  if (!device) throw new AuthError("not_found");
  await deps.deviceState.forget(deviceId);
  logAuthEvent(
    "device.revoked",
    { user_id: device.user_id ?? undefined, organization_id: device.organization_id, session_id: deviceId },
    now,
  );
  return device;
}
