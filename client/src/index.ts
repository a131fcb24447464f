// @edge-auth/client: the typed /v1 API (generated from /openapi.json) and flow helpers.
export { type ApiOptions, type AuthApi, createApi, type paths } from "./api.js";
export { type BrowserClient, type BrowserClientOptions, createBrowserClient } from "./browser.js";
export { AuthApiError, type ErrorCode, unwrap } from "./errors.js";
export { createDeviceClient, createPairingCode, pairDevice } from "./pairing.js";
export { createPasskey, getPasskey, passkeyAutofillAvailable } from "./passkeys.js";
export type { components, operations } from "./schema.js";
export { type NativeSignIn, socialSignInUrl, startNativeSignIn } from "./social.js";
export { createStorefrontClient, type StorefrontClient, type StorefrontClientOptions } from "./storefront.js";
export {
  createTokenClient,
  memoryStorage,
  type StoredTokens,
  type TokenClient,
  type TokenClientOptions,
  type TokenStorage,
} from "./tokens.js";
export {
  createWebhookEndpoint,
  replayWebhookEvent,
  type WebhookEvent,
  type WebhookEventType,
} from "./webhooks.js";
