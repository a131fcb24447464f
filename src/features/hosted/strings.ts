// Every word the hosted pages show, per language. English is complete and the fallback; a language
// proves the mechanism by translating every key (a test checks both catalogues have the same keys).

import { HOSTED_LOCALES, type HostedLocale } from "../../config/hosted";
import type { ErrorCode } from "../../errors";
import { ERROR_CODES } from "../../errors";

const en = {
  signInTitle: "Sign in to {product}",
  signUpTitle: "Create your {product} account",
  email: "Email",
  password: "Password",
  name: "Name",
  newPassword: "Password (at least {min} characters)",
  emailLink: "Email me a sign-in link",
  signIn: "Sign in",
  signUp: "Create account",
  passkey: "Sign in with a passkey",
  withProvider: "Continue with {provider}",
  or: "or",
  remember: "Keep me signed in for 30 days",
  noAccount: "No account yet?",
  haveAccount: "Already have an account?",
  forgot: "Forgot your password?",
  resetTitle: "Reset your password",
  sendReset: "Email me a reset link",
  resetSent: "If {email} has an account here, a link to choose a new password is on its way.",
  checkInbox: "Check your inbox",
  linkSent: "If {email} can sign in here, a sign-in link is on its way. It works once, for 15 minutes.",
  confirmSent: "We sent a confirmation link to {email}. Open it to finish, then sign in.",
  accountReady: "Your account is ready. Sign in to continue.",
  accountTitle: "Your account",
  signedInAs: "Signed in as {email}",
  profile: "Profile",
  save: "Save",
  saved: "Saved.",
  passkeys: "Passkeys",
  noPasskeys: "No passkey yet.",
  addPasskey: "Add a passkey",
  remove: "Remove",
  added: "Added {date}",
  authenticator: "Authenticator app",
  authenticatorOn: "An authenticator app is set up.",
  authenticatorOff: "Add an authenticator app for a second step at sign-in.",
  setUpAuthenticator: "Set up an authenticator app",
  scanCode: "Scan this code with your authenticator app, or type the key.",
  secretKey: "Key",
  codeFromApp: "6-digit code from the app",
  confirm: "Confirm",
  recoveryCodes: "Recovery codes",
  recoveryHint: "Save these codes somewhere safe: each one signs you in once if you lose your device.",
  continue: "Continue",
  sessions: "Signed-in sessions",
  thisSession: "This session",
  revoke: "Sign out",
  revokeOthers: "Sign out all other sessions",
  signOut: "Sign out",
  organizations: "Organizations",
  active: "active",
  switchTo: "Switch",
  recentSignInNeeded: "Sign in again to change this.",
  language: "Language",
  currentPassword: "Current password",
  currentPasswordHint: "Needed when you signed in more than a few minutes ago.",
  changePassword: "Change password",
  newPasswordLabel: "New password",
  passwordChanged: "Password changed. Your other sessions were signed out.",
  emailChangeSent: "We sent a link to {email}: the new address applies when you open it.",
  rename: "Rename",
  passkeyName: "Name of this passkey",
  passkeyDefault: "Passkey {n}",
  removeAuthenticator: "Remove the authenticator app",
  newRecoveryCodes: "Make new recovery codes",
  recoveryLeft: "{count} recovery codes left.",
  identities: "Linked sign-in providers",
  noIdentities: "No provider linked.",
  unlink: "Unlink",
  link: "Link {provider}",
  continueTo: "Continue to {provider}",
  devices: "Paired devices",
  noDevices: "No paired device.",
  invitations: "Invitations",
  invitedAs: "{organization}, as {role}",
  accept: "Accept",
  decline: "Decline",
  done: "Done.",
} as const;

export type StringKey = keyof typeof en;

const fr: Record<StringKey, string> = {
  signInTitle: "Se connecter à {product}",
  signUpTitle: "Créer votre compte {product}",
  email: "E-mail",
  password: "Mot de passe",
  name: "Nom",
  newPassword: "Mot de passe (au moins {min} caractères)",
  emailLink: "Recevoir un lien de connexion",
  signIn: "Se connecter",
  signUp: "Créer le compte",
  passkey: "Se connecter avec une clé d'accès",
  withProvider: "Continuer avec {provider}",
  or: "ou",
  remember: "Rester connecté 30 jours",
  noAccount: "Pas encore de compte ?",
  haveAccount: "Déjà un compte ?",
  forgot: "Mot de passe oublié ?",
  resetTitle: "Réinitialiser votre mot de passe",
  sendReset: "Recevoir un lien de réinitialisation",
  resetSent: "Si {email} a un compte ici, un lien pour choisir un nouveau mot de passe est en route.",
  checkInbox: "Consultez votre boîte de réception",
  linkSent:
    "Si {email} peut se connecter ici, un lien de connexion est en route. Il fonctionne une fois, pendant 15 minutes.",
  confirmSent: "Nous avons envoyé un lien de confirmation à {email}. Ouvrez-le, puis connectez-vous.",
  accountReady: "Votre compte est prêt. Connectez-vous pour continuer.",
  accountTitle: "Votre compte",
  signedInAs: "Connecté en tant que {email}",
  profile: "Profil",
  save: "Enregistrer",
  saved: "Enregistré.",
  passkeys: "Clés d'accès",
  noPasskeys: "Aucune clé d'accès.",
  addPasskey: "Ajouter une clé d'accès",
  remove: "Supprimer",
  added: "Ajoutée le {date}",
  authenticator: "Application d'authentification",
  authenticatorOn: "Une application d'authentification est configurée.",
  authenticatorOff: "Ajoutez une application d'authentification pour une seconde étape à la connexion.",
  setUpAuthenticator: "Configurer une application d'authentification",
  scanCode: "Scannez ce code avec votre application, ou saisissez la clé.",
  secretKey: "Clé",
  codeFromApp: "Code à 6 chiffres de l'application",
  confirm: "Confirmer",
  recoveryCodes: "Codes de récupération",
  recoveryHint: "Gardez ces codes en lieu sûr : chacun vous connecte une fois si vous perdez votre appareil.",
  continue: "Continuer",
  sessions: "Sessions connectées",
  thisSession: "Cette session",
  revoke: "Déconnecter",
  revokeOthers: "Déconnecter toutes les autres sessions",
  signOut: "Se déconnecter",
  organizations: "Organisations",
  active: "active",
  switchTo: "Basculer",
  recentSignInNeeded: "Reconnectez-vous pour modifier ceci.",
  language: "Langue",
  currentPassword: "Mot de passe actuel",
  currentPasswordHint: "Nécessaire si vous vous êtes connecté il y a plus de quelques minutes.",
  changePassword: "Changer le mot de passe",
  newPasswordLabel: "Nouveau mot de passe",
  passwordChanged: "Mot de passe changé. Vos autres sessions ont été déconnectées.",
  emailChangeSent: "Nous avons envoyé un lien à {email} : la nouvelle adresse s'applique quand vous l'ouvrez.",
  rename: "Renommer",
  passkeyName: "Nom de cette clé d'accès",
  passkeyDefault: "Clé d'accès {n}",
  removeAuthenticator: "Supprimer l'application d'authentification",
  newRecoveryCodes: "Générer de nouveaux codes de récupération",
  recoveryLeft: "{count} codes de récupération restants.",
  identities: "Fournisseurs de connexion liés",
  noIdentities: "Aucun fournisseur lié.",
  unlink: "Délier",
  link: "Lier {provider}",
  continueTo: "Continuer vers {provider}",
  devices: "Appareils associés",
  noDevices: "Aucun appareil associé.",
  invitations: "Invitations",
  invitedAs: "{organization}, en tant que {role}",
  accept: "Accepter",
  decline: "Refuser",
  done: "C'est fait.",
};

/** Error messages in other languages; a code missing here shows the error table's English message. */
const errorsFr: Partial<Record<ErrorCode, string>> = {
  validation_error: "La demande est invalide.",
  invalid_credentials: "L'e-mail ou le mot de passe est incorrect.",
  password_too_short: "Le mot de passe est trop court.",
  password_too_common: "Ce mot de passe est trop facile à deviner.",
  rate_limited: "Trop de tentatives. Réessayez plus tard.",
  challenge_required: "Confirmez que vous êtes humain (la vérification ci-dessus), puis réessayez.",
  challenge_failed: "La vérification a expiré ou a déjà servi : refaites-la puis réessayez.",
  passkey_invalid: "La clé d'accès n'a pas pu être vérifiée. Réessayez.",
  mfa_invalid: "Le code est faux, expiré ou déjà utilisé.",
  reauth_required: "Cette modification demande une connexion récente.",
  email_not_verified: "Confirmez d'abord votre adresse e-mail.",
  csrf_failed: "Requête refusée : rechargez la page et réessayez.",
  conflict: "La demande est en conflit avec l'état actuel.",
};

const catalogues: Record<HostedLocale, Record<StringKey, string>> = { en, fr };
/** English page wording where the error table's message speaks to API callers (headers, tokens). */
const errorsEn: Partial<Record<ErrorCode, string>> = {
  challenge_required: "Confirm you are human (the check above), then try again.",
  challenge_failed: "The check expired or was already used: do it again, then try again.",
};

const errorCatalogues: Record<HostedLocale, Partial<Record<ErrorCode, string>>> = { en: errorsEn, fr: errorsFr };

/** The catalogues, for the test that every language translates every key. */
export const CATALOGUES = catalogues;

export type Translate = (key: StringKey, vars?: Record<string, string | number>) => string;

export function translator(locale: HostedLocale): Translate {
  const table = catalogues[locale];
  return (key, vars = {}) =>
    (table[key] ?? en[key]).replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/**
 * An error in words, in the page's language: the translation of its code, else the error's own English
 * message (the one error table's, or the more precise one the service gave).
 */
export function errorMessage(locale: HostedLocale, code: ErrorCode, message?: string): string {
  return errorCatalogues[locale][code] ?? message ?? ERROR_CODES[code]?.message ?? ERROR_CODES.validation_error.message;
}

/** `?lang=` when it is one we have, else the first Accept-Language we have, else the deployment's. */
export function pickLocale(query: string | undefined, acceptLanguage: string | undefined, fallback: HostedLocale) {
  const have = (tag: string | undefined): HostedLocale | null => {
    const base = (tag ?? "").trim().toLowerCase().split(/[-_;]/)[0] ?? "";
    return (HOSTED_LOCALES as readonly string[]).includes(base) ? (base as HostedLocale) : null;
  };
  const asked = have(query);
  if (asked) return asked;
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part) => {
      const [tag, ...params] = part.split(";");
      const q = Number(
        params
          .find((p) => p.trim().startsWith("q="))
          ?.trim()
          .slice(2) ?? "1",
      );
      return { tag, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const entry of ranked) {
    const locale = have(entry.tag);
    if (locale) return locale;
  }
  return fallback;
}
