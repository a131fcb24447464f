// Examples for /openapi.json: every JSON request body and success answer gets one, made from its schema
// (a field's own `example` first, then what its name says), so the document never shows a route bare and
// an example can never disagree with the schema it came from (test/openapi-contract.test.ts checks them).

interface Schema {
  $ref?: string;
  example?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  format?: string;
  minimum?: number;
}
interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: unknown;
}
interface Operation {
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
}
interface Document {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const AT = "2026-12-01T09:30:00.000Z";

/** What a field's name says about its value, for fields without their own example. */
const BY_NAME: Record<string, unknown> = {
  email: "ada@example.com",
  name: "Ada Lovelace",
  organization_name: "Analytical Engines",
  password: "correct horse battery staple",
  current_password: "correct horse battery staple",
  new_password: "a new passphrase of your own",
  token: "tok_1f0c4e2ab07d4d8e8c61f3a95b2e7d40aa13cf02",
  refresh_token: "rt_6b1e0f3c9d2a4b7e8f5a1c3d7e9b2f4a6c8d0e1f",
  access_token: "eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c3JfMDFqZDUifQ.c2lnbmF0dXJl",
  redirect_to: "/dashboard",
  magic_link: "http://localhost:8787/v1/auth/magic-link/verify?token=tok_1f0c4e2ab07d4d8e8c61f3a95b2e7d40",
  user_id: "usr_01jd5n2k4m0000000000000000",
  event_id: "evt_5f0c4a2e9b7d41c3a8e6f1d2b4c7e9a0",
  organization_id: "org_01jd5n2k4m0000000000000000",
  request_id: "req_9f1c4e2ab07d4d8e8c61f3a95b2e7d40",
  csrf_token: "csrf_3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e",
  peer_id: "gateway-7",
  push_token: "ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]",
  device_name: "Ada's iPhone",
  otp_code: "482913",
  mfa_code: "492039",
  mfa_token: "tok_8e2d4f6a1c3b5d7e9f0a2c4e6b8d0f1a3c5e7b9d",
  recovery_code: "7KQ2M-0T9XH-PZ4RW-JD8NC",
  secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  otpauth_uri:
    "otpauth://totp/auth.example.com:ada%40example.com?issuer=auth.example.com&algorithm=SHA1&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=30&digits=6",
  qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29">...</svg>',
  contact: "+14155550123",
  phone: "+14155550123",
  role: "member",
  plan_tier: "sandbox",
  scopes: ["read", "write"],
  scope: "read write",
  token_type_hint: "access_token",
  sub: "usr_01jd5n2k4m0000000000000000",
  username: "ada@example.com",
  org: "org_01jd5n2k4m0000000000000000",
  sid: "ses_01jd5n2k4m0000000000000000",
  jti: "tfm_01jd5n2k4m0000000000000000",
  iss: "https://auth.example.com",
  aud: "https://auth.example.com",
  client_id: "key_01jd5n2k4m0000000000000000",
  origin: "https://shop.example.com",
  allowed_origins: ["https://shop.example.com"],
  created_by: "usr_01jd5n2k4m0000000000000000",
  invited_by: "usr_01jd5n2k4m0000000000000000",
  requested_by: "usr_01jd5n2k4m0000000000000000",
  code: "tok_4c1a9e7f2b3d5c6e8f0a1b2c3d4e5f6a7b8c9d0e",
  code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
  pairing_token: "pair_7d2c9e4a1b3f5e6d8a0c2b4e6f8a1c3d5e7f9a0b",
  deep_link: "myapp://pair?code=pair_7d2c9e4a1b3f5e6d8a0c2b4e6f8a1c3d5e7f9a0b",
  ip: "203.0.113.7",
  user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15",
  api_key: "sk_live_key_01jd5n2k4m0000000000000000.q8Vf2Lw0ZrJm4Xc9bN1sT6yH3gK7dP5aE0uR2iO8wQe",
  // An active record: not revoked, no expiry set.
  revoked_at: null,
};

/** Flags that are off in a typical answer. */
const OFF = new Set(["remember", "is_superuser", "revoked", "disabled"]);
/** Numbers that are epoch seconds. */
const EPOCH = new Set(["exp", "iat", "nbf", "auth_time"]);

/** Fills `example` on every JSON request body and 2xx JSON answer of the document that has none. */
export function withExamples<T extends object>(built: T): T {
  const document = built as Document;
  for (const methods of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(methods)) {
      const media = [operation.requestBody?.content ?? {}];
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        if (status.startsWith("2")) media.push(response?.content ?? {});
      for (const content of media) {
        for (const [type, entry] of Object.entries(content)) {
          if (!entry?.schema || entry.example !== undefined || entry.examples !== undefined) continue;
          if (!type.includes("json") && !type.includes("form-urlencoded")) continue;
          const alternatives = variants(document, entry.schema);
          if (alternatives) entry.examples = alternatives;
          else entry.example = sample(document, entry.schema, "", 0);
        }
      }
    }
  }
  return built;
}

function resolve(document: Document, schema: Schema | undefined): Schema {
  if (schema?.$ref) return document.components?.schemas?.[String(schema.$ref).split("/").pop() ?? ""] ?? {};
  return schema ?? {};
}

/** A body that is one of several shapes (grant types) gets one named example per shape. */
function variants(document: Document, raw: Schema): Record<string, { value: unknown }> | null {
  const schema = resolve(document, raw);
  const options: Schema[] = schema.anyOf ?? schema.oneOf ?? [];
  if (options.length < 2) return null;
  const out: Record<string, { value: unknown }> = {};
  for (const [i, option] of options.entries()) {
    const value = sample(document, option, "", 0) as Record<string, unknown>;
    const label = Object.values(value ?? {}).find((v) => typeof v === "string" && /^[a-z_]+$/.test(v));
    out[typeof label === "string" ? label : `variant_${i + 1}`] = { value };
  }
  return out;
}

function sample(document: Document, raw: Schema, name: string, depth: number): unknown {
  const schema = resolve(document, raw);
  // A field's own example first (`code` is a TOTP code in one schema, an app's code in another).
  if (raw.example !== undefined) return raw.example;
  if (name in BY_NAME && !Array.isArray(BY_NAME[name])) return BY_NAME[name];
  if (schema.example !== undefined) return schema.example;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.includes(BY_NAME[name]) ? BY_NAME[name] : schema.enum[0];
  if (depth > 8) return null;
  if (Array.isArray(BY_NAME[name]) && (schema.type === "array" || schema.items)) return BY_NAME[name];
  if (schema.allOf) {
    // zod's nullable and extended objects: the parts' fields together (a null part adds nothing).
    const parts = schema.allOf.map((part) => sample(document, part, name, depth + 1));
    const objects = parts.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null);
    return objects.length > 0 ? Object.assign({}, ...objects) : (parts[0] ?? null);
  }
  const alternative = schema.anyOf ?? schema.oneOf;
  if (alternative) {
    const concrete = alternative.find((s) => resolve(document, s).type !== "null") ?? alternative[0] ?? {};
    return sample(document, concrete, name, depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "object" || schema.properties) {
    const out: Record<string, unknown> = {};
    // An object's id says what it is: by its component's name, else by the field that holds it.
    const owner = raw.$ref ? String(raw.$ref).split("/").pop() : name;
    for (const [key, property] of Object.entries(schema.properties ?? {}))
      out[key] = sample(document, property, key === "id" ? `${owner}.id` : key, depth + 1);
    return out;
  }
  if (type === "array") return [sample(document, schema.items ?? {}, name, depth + 1)];
  if (type === "boolean") return !OFF.has(name);
  if (type === "integer" || type === "number") return numberFor(name, schema);
  if (type === "string") return stringFor(name, schema);
  return null;
}

/** Ids by the object that holds them (`customer.id` is a cus_ id). */
const ID_PREFIX: Record<string, string> = {
  customer: "cus",
  Customer: "cus",
  user: "usr",
  PlatformUser: "usr",
  organization: "org",
  organizations: "org",
  Invitation: "inv",
  MyInvitation: "inv",
  Device: "dev",
  Session: "ses",
  ApiKey: "key",
  ApiKeyWithSecret: "key",
};

function numberFor(name: string, schema: Schema): number {
  if (name === "expires_in") return 900;
  if (name === "count") return 1;
  if (name === "expires_in_seconds") return 300;
  if (name.endsWith("_seconds")) return 60;
  if (name.endsWith("_at") || EPOCH.has(name)) return 1_764_581_400;
  return typeof schema.minimum === "number" ? schema.minimum : 0;
}

function stringFor(name: string, schema: Schema): string {
  if (BY_NAME[name] !== undefined) return String(BY_NAME[name]);
  if (name.endsWith("_at") || schema.format === "date-time") return AT;
  if (name.endsWith(".id")) return `${ID_PREFIX[name.slice(0, -3)] ?? "id"}_01jd5n2k4m0000000000000000`;
  if (name.endsWith("_id")) return `${name.slice(0, 3)}_01jd5n2k4m0000000000000000`;
  if (schema.format === "uri" || name.endsWith("_url")) return "https://auth.example.com/";
  return name ? name.replaceAll("_", " ") : "string";
}
