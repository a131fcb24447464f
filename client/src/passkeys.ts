// The browser's side of passkeys: the worker's WebAuthn options in, the credential's JSON out, using
// the browser's own JSON helpers (PublicKeyCredential.parse*OptionsFromJSON and toJSON).

interface WebAuthnJson {
  parseCreationOptionsFromJSON(options: unknown): PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON(options: unknown): PublicKeyCredentialRequestOptions;
}

function webauthn(): WebAuthnJson {
  const pkc = (globalThis as { PublicKeyCredential?: Partial<WebAuthnJson> }).PublicKeyCredential;
  if (!pkc?.parseCreationOptionsFromJSON || !pkc.parseRequestOptionsFromJSON)
    throw new TypeError("This browser has no passkey support (PublicKeyCredential JSON helpers).");
  return pkc as WebAuthnJson;
}

/** The page's credential store (typed here: the workers' lib, used to check this file too, lacks it). */
const credentials = (): CredentialsContainer =>
  (globalThis as unknown as { navigator: { credentials: CredentialsContainer } }).navigator.credentials;

const asJson = (credential: Credential | null): Record<string, unknown> => {
  if (!credential) throw new TypeError("No passkey was chosen.");
  return (credential as PublicKeyCredential).toJSON() as unknown as Record<string, unknown>;
};

/** Whether the browser can offer passkeys in its autofill (for `conditional` sign-in). */
export async function passkeyAutofillAvailable(): Promise<boolean> {
  const pkc = (globalThis as { PublicKeyCredential?: { isConditionalMediationAvailable?: () => Promise<boolean> } })
    .PublicKeyCredential;
  return (await pkc?.isConditionalMediationAvailable?.()) ?? false;
}

export async function createPasskey(options: unknown): Promise<Record<string, unknown>> {
  return asJson(await credentials().create({ publicKey: webauthn().parseCreationOptionsFromJSON(options) }));
}

export async function getPasskey(
  options: unknown,
  init: { conditional?: boolean; signal?: AbortSignal } = {},
): Promise<Record<string, unknown>> {
  const request: CredentialRequestOptions = { publicKey: webauthn().parseRequestOptionsFromJSON(options) };
  if (init.conditional) request.mediation = "conditional";
  if (init.signal) request.signal = init.signal;
  return asJson(await credentials().get(request));
}
