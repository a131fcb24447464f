import { type ApiOptions, type AuthApi, createApi } from "./api.js";
import { unwrap } from "./errors.js";

/** A runtime (signed in with any credential) asks for a pairing code for one peer. */
export async function createPairingCode(api: AuthApi, body: { peer_id?: string } = {}) {
  return unwrap(await api.POST("/v1/pairing/code", { body }));
}

/** The phone exchanges the code from the deep link for its long-lived device token. */
export async function pairDevice(
  options: ApiOptions,
  body: { pairing_token: string; push_token: string; platform: "ios" | "android"; device_name: string },
) {
  return unwrap(await createApi(options).POST("/v1/pairing/pair", { body }));
}

/** The typed API acting as a paired device (today: GET /v1/auth/me). */
export function createDeviceClient(options: ApiOptions, deviceToken: string): AuthApi {
  return createApi({ ...options, headers: { ...options.headers, authorization: `Bearer ${deviceToken}` } });
}
