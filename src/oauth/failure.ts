// How provider calls fail, and the one way they are made (with a deadline).

/** Why a provider round failed; the service turns it into the answer. */
export class OAuthFailure extends Error {
  constructor(
    /** denied: the person or provider said no. invalid: a check failed. unreachable: outage or deadline. */
    readonly reason: "denied" | "invalid" | "unreachable",
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.name = "OAuthFailure";
  }
}

/** A provider call with a deadline; a refused, reset or timed-out connection is "unreachable". */
export async function reach(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new OAuthFailure("unreachable", `${new URL(url).host}: ${String(error)}`, { cause: error });
  }
}
