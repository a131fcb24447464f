// @edge-auth/client: the typed /v1 API (generated from /openapi.json) and flow helpers.
export { type ApiOptions, type AuthApi, createApi, type paths } from "./api";
export { type BrowserClient, type BrowserClientOptions, createBrowserClient } from "./browser";
export { AuthApiError, type ErrorCode, unwrap } from "./errors";
export { createDeviceClient, createPairingCode, pairDevice } from "./pairing";
export { createPasskey, getPasskey, passkeyAutofillAvailable } from "./passkeys";
export type { components, operations } from "./schema";
export { type NativeSignIn, socialSignInUrl, startNativeSignIn } from "./social";
export { createStorefrontClient, type StorefrontClient, type StorefrontClientOptions } from "./storefront";
export {
  createTokenClient,
  memoryStorage,
  type StoredTokens,
  type TokenClient,
  type TokenClientOptions,
  type TokenStorage,
} from "./tokens";
