// Strict parsing of the one address a sign-in email goes to. Display names, quoted local parts,
// comments, lists and header-breaking characters are refused outright (next-auth GHSA-5jpx-9hw9-2fx4,
// CVE-2022-35924): anything we accept has exactly one recipient and one domain.
const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Returns the canonical (trimmed, lower-case) address, or null when it is not one plain address. */
export function canonicalEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  if (email.length > 254) return null;
  const at = email.lastIndexOf("@");
  if (at < 1 || email.indexOf("@") !== at) return null;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return null;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1] ?? ""))
    return null;
  return email;
}
