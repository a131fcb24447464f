// The browser's side of passkeys: the worker's WebAuthn options in, the credential's JSON out, using
// the browser's own JSON helpers (PublicKeyCredential.parse*OptionsFromJSON and toJSON). Typed with
// the few shapes used here, so the file also checks under non-DOM libs (the Workers types).

interface WebAuthnJson {
  parseCreationOptionsFromJSON(options: unknown): unknown;
  parseRequestOptionsFromJSON(options: unknown): unknown;
  isConditionalMediationAvailable?: () => Promise<boolean>;
}
interface CredentialStore {
  create(options: { publicKey: unknown }): Promise<{ toJSON(): unknown } | null>;
  get(options: { publicKey: unknown; mediation?: string; signal?: unknown }): Promise<{ toJSON(): unknown } | null>;
}
interface BrowserGlobals {
  PublicKeyCredential?: Partial<WebAuthnJson>;
  navigator?: { credentials?: CredentialStore };
}

function browser(): { json: WebAuthnJson; store: CredentialStore } {
  const g = globalThis as BrowserGlobals;
  const json = g.PublicKeyCredential;
  const store = g.navigator?.credentials;
  if (!json?.parseCreationOptionsFromJSON || !json.parseRequestOptionsFromJSON || !store)
    throw new TypeError("This browser has no passkey support (PublicKeyCredential JSON helpers).");
  return { json: json as WebAuthnJson, store };
}

const asJson = (credential: { toJSON(): unknown } | null): Record<string, unknown> => {
  if (!credential) throw new TypeError("No passkey was chosen.");
  return credential.toJSON() as Record<string, unknown>;
};

/** Whether the browser can offer passkeys in its autofill (for `conditional` sign-in). */
export async function passkeyAutofillAvailable(): Promise<boolean> {
  return (await (globalThis as BrowserGlobals).PublicKeyCredential?.isConditionalMediationAvailable?.()) ?? false;
}

export async function createPasskey(options: unknown): Promise<Record<string, unknown>> {
  const { json, store } = browser();
  return asJson(await store.create({ publicKey: json.parseCreationOptionsFromJSON(options) }));
}

export async function getPasskey(
  options: unknown,
  init: { conditional?: boolean; signal?: AbortSignal } = {},
): Promise<Record<string, unknown>> {
  const { json, store } = browser();
  return asJson(
    await store.get({
      publicKey: json.parseRequestOptionsFromJSON(options),
      ...(init.conditional ? { mediation: "conditional" } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    }),
  );
}
