import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";

/**
 * The options of navigator.credentials.get() for a passkey sign-in: the same JSON object
 * @simplewebauthn/server's generateAuthenticationOptions returns (a test compares the two), built here
 * because that builder reaches the library's crypto helpers through a namespace object, which brings
 * its whole X.509 and ASN.1 stack (~20 ms to evaluate) into every passkey sign-in page's first request.
 * Options carry no secret and verify nothing; the protocol's checks (the assertion, its signature,
 * counter and origin) stay the library's, in passkey-verify.ts.
 */
export function signInOptions(input: {
  rpId: string;
  /** Our base64url challenge (already the encoding the JSON carries). */
  challenge: string;
  timeout: number;
  allowCredentials?: Array<{ id: string; transports?: string[] }>;
}): PublicKeyCredentialRequestOptionsJSON {
  return {
    rpId: input.rpId,
    challenge: input.challenge.replace(/=+$/, ""),
    allowCredentials: input.allowCredentials?.map((c) => ({
      id: c.id.replace(/=+$/, ""),
      type: "public-key" as const,
      transports: c.transports as never,
    })),
    timeout: input.timeout,
    userVerification: "required",
  };
}
