// The second-factor store's verbs (TOTP, recovery codes, passkeys). Every verb that spends or
// changes something is one conditional SQL statement, so "a code is accepted once", "a recovery code
// is single use" and "a counter only moves forward" hold in the database under any concurrency.
// Types only.

export interface TotpFactor {
  sealed: string;
  confirmed: boolean;
  /** The last 30-second step a code was accepted for (null: none yet). */
  lastStep: number | null;
}

export interface Passkey {
  id: string;
  name: string;
  /** base64url credential id, as the browser reports it. */
  credential_id: string;
  device_type: "singleDevice" | "multiDevice";
  backed_up: boolean;
  transports: string[];
  created_at: string;
  last_used_at: string | null;
}

export interface StoredPasskey extends Passkey {
  user_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  counter: number;
}

export interface FactorStatus {
  totp_confirmed_at: string | null;
  recovery_codes_remaining: number;
  passkeys: number;
}

export interface NewPasskey {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: "singleDevice" | "multiDevice";
  backedUp: boolean;
  name: string;
  now: number;
}

export interface FactorRepository {
  /** Stores a new, unconfirmed secret (replacing an unconfirmed one); false when one is already confirmed. */
  startTotp(userId: string, sealed: string, now: number): Promise<boolean>;
  findTotp(userId: string): Promise<TotpFactor | null>;
  /**
   * Confirms the pending secret with the code's step and replaces the recovery codes, in one statement;
   * false when nothing is pending (confirmed meanwhile, or removed).
   */
  confirmTotp(userId: string, step: number, recoveryHashes: string[], now: number): Promise<boolean>;
  /** Accepts a step once: true only for a confirmed factor whose last accepted step is older. */
  useTotpStep(userId: string, step: number, now: number): Promise<boolean>;
  /** Removes the TOTP factor (and the recovery codes when no passkey remains); false when there was none. */
  removeTotp(userId: string): Promise<boolean>;
  /** Spends one recovery code; how many remain unused, or null when the code is unknown or spent. */
  useRecoveryCode(userId: string, hash: string, now: number): Promise<number | null>;
  /** Makes a code spent since `now` unused again: the sign-in it paid for did not happen. */
  restoreRecoveryCode(userId: string, hash: string, now: number): Promise<void>;
  /** Replaces every recovery code, only while the user has a second factor; false otherwise. */
  replaceRecoveryCodes(userId: string, hashes: string[], now: number): Promise<boolean>;
  status(userId: string): Promise<FactorStatus>;
  /** Adds a passkey (recovery codes given are stored when the user had none); null if the credential is known. */
  addPasskey(input: NewPasskey, recoveryHashes: string[]): Promise<Passkey | null>;
  listPasskeys(userId: string): Promise<Passkey[]>;
  findPasskey(credentialId: string): Promise<StoredPasskey | null>;
  /**
   * Records a verified assertion: the new counter (which must move forward unless both are 0, the
   * authenticators that keep none) and backup state. False when the counter did not move: a clone.
   */
  usePasskey(credentialId: string, counter: number, backedUp: boolean, now: number): Promise<boolean>;
  renamePasskey(userId: string, id: string, name: string): Promise<Passkey | null>;
  /** Removes unless it is the account's last way in (no password, identity, proven address, other passkey). */
  removePasskey(
    userId: string,
    id: string,
  ): Promise<{ status: "removed" | "not_found" | "last_method"; name: string | null }>;
}
