import type { components } from "./schema.js";

type Schemas = components["schemas"];
/** Every error code the document declares (one `Error_<code>` schema each); each route lists its own. */
export type ErrorCode = { [K in keyof Schemas]: K extends `Error_${infer Code}` ? Code : never }[keyof Schemas];

/** An error answer of the worker: `code` is the stable part (see the README's error table). */
export class AuthApiError extends Error {
  /** A declared code (autocompleted), or a 5xx one such as internal_error. */
  readonly code: ErrorCode | "internal_error" | "config_invalid" | "unknown_error" | (string & {});
  readonly status: number;
  readonly requestId: string | null;
  readonly details: Array<{ field: string; message: string }>;
  readonly retryAfter: number | null;

  constructor(status: number, body: unknown, headers?: Headers) {
    const error = (body as { error?: { code?: string; message?: string; details?: [] } } | null)?.error;
    super(error?.message ?? `HTTP ${status}`);
    this.name = "AuthApiError";
    this.status = status;
    this.code = error?.code ?? (status >= 500 ? "internal_error" : "unknown_error");
    this.details = error?.details ?? [];
    this.requestId = headers?.get("x-request-id") ?? null;
    const retry = headers?.get("retry-after");
    this.retryAfter = retry ? Number(retry) : null;
  }
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The envelope's `data`, or an AuthApiError carrying the answer's code. */
export function unwrap<T>(result: Result<T>): T extends { data: infer D } ? D : T {
  if (!result.response.ok || result.error !== undefined)
    throw new AuthApiError(result.response.status, result.error ?? null, result.response.headers);
  const body = result.data as { data?: unknown } | undefined;
  return (body && typeof body === "object" && "data" in body ? body.data : body) as never;
}
