// Social sign-in from an app: where to send the browser, and for native apps the PKCE pair whose
// verifier later turns the redirect's one-time code into tokens (createTokenClient().signInWithCode).

/** The start URL to navigate to (a link or `location.href`, not a fetch): the provider, then back. */
export function socialSignInUrl(baseUrl: string, provider: string, options: { redirectTo?: string } = {}): string {
  const url = new URL(`${baseUrl.replace(/\/$/, "")}/v1/auth/oauth/${encodeURIComponent(provider)}/start`);
  if (options.redirectTo) url.searchParams.set("redirect_to", options.redirectTo);
  return url.href;
}

export interface NativeSignIn {
  /** Open in the system browser (ASWebAuthenticationSession, Custom Tabs). */
  url: string;
  /** Keep until the app's redirect arrives; only it can spend that redirect's code. */
  codeVerifier: string;
}

/**
 * A native app's social sign-in: a fresh PKCE verifier (256 bits) and the start URL carrying its S256
 * challenge. `redirectTo` is on the app's own scheme (APP_SCHEME); the redirect brings `code` (or
 * `error`), which `signInWithCode({ code, codeVerifier })` exchanges.
 */
export async function startNativeSignIn(
  baseUrl: string,
  provider: string,
  options: { redirectTo: string },
): Promise<NativeSignIn> {
  const codeVerifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(codeVerifier)));
  const url = new URL(socialSignInUrl(baseUrl, provider, options));
  url.searchParams.set("code_challenge", base64Url(digest));
  return { url: url.href, codeVerifier };
}

function base64Url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
