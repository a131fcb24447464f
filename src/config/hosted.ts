// The hosted sign-in and account pages (/sign-in, /sign-up, /account): product name, logo, colour, language.
import type { Reader } from "./read";

export const HOSTED_LOCALES = ["en", "fr"] as const;
export type HostedLocale = (typeof HOSTED_LOCALES)[number];

export interface HostedConfig {
  /** HOSTED_PRODUCT_NAME: shown in titles and headings (default: MFA_ISSUER, i.e. the host name). */
  productName: string | null;
  /** HOSTED_LOGO_URL: an https image URL (the pages' CSP allows its origin for images only). */
  logoUrl: string | null;
  /** HOSTED_ACCENT_COLOR: #rrggbb for buttons and links; the text on it is chosen for contrast. */
  accent: string;
  /** HOSTED_LOCALE: the language when the browser asks for none we have. */
  locale: HostedLocale;
}

export function readHosted({ str, url, problems }: Reader): HostedConfig {
  const logo = url("HOSTED_LOGO_URL", str("HOSTED_LOGO_URL"), "an https URL of your logo image");
  if (logo && logo.protocol !== "https:" && logo.hostname !== "localhost" && logo.hostname !== "127.0.0.1")
    problems.push("HOSTED_LOGO_URL must be an https URL.");
  const accent = str("HOSTED_ACCENT_COLOR") ?? "#1f4ed8";
  if (!/^#[0-9a-fA-F]{6}$/.test(accent))
    problems.push(`HOSTED_ACCENT_COLOR must be a colour like #1f4ed8 (got "${accent}").`);
  const locale = str("HOSTED_LOCALE") ?? "en";
  if (!(HOSTED_LOCALES as readonly string[]).includes(locale))
    problems.push(`HOSTED_LOCALE must be one of ${HOSTED_LOCALES.join(", ")} (got "${locale}").`);
  return {
    productName: str("HOSTED_PRODUCT_NAME") ?? null,
    logoUrl: logo?.toString() ?? null,
    accent: accent.toLowerCase(),
    locale: locale as HostedLocale,
  };
}
