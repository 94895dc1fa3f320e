/**
 * The emulator's OAuth token endpoint: the service-account JWT-bearer grant
 * (developers.google.com/identity/protocols/oauth2/service-account#httprest), checked the way Google
 * checks it: RS256 signature against the service account's public key, issuer, audience, lifetime, scope.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";

/** The audience Google requires in the assertion (google-auth-library always signs for it). */
export const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** A service account the emulator trusts. */
export interface TrustedServiceAccount {
  clientEmail: string;
  publicKeyPem: string;
}

/** What a verified assertion grants. */
export interface VerifiedGrant {
  clientEmail: string;
  subject: string | undefined;
  scopes: string[];
}

/** OAuth-style failure (`{error, error_description}`), as Google's token endpoint answers. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

function base64UrlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new OAuthError(400, "invalid_grant", "Invalid JWT: token must be a signed JWT.");
  }
}

/** Verifies a JWT-bearer form body and returns the grant, or throws `OAuthError`. */
export function verifyJwtBearer(
  form: URLSearchParams,
  trusted: readonly TrustedServiceAccount[],
  nowSeconds: number,
): VerifiedGrant {
  if (form.get("grant_type") !== JWT_BEARER_GRANT) {
    throw new OAuthError(400, "unsupported_grant_type", "Invalid grant_type: " + (form.get("grant_type") ?? ""));
  }
  const assertion = form.get("assertion") ?? "";
  const parts = assertion.split(".");
  if (parts.length !== 3) throw new OAuthError(400, "invalid_grant", "Invalid JWT: token must be a signed JWT.");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = base64UrlJson(headerPart) as { alg?: unknown };
  const payload = base64UrlJson(payloadPart) as Record<string, unknown>;
  if (header.alg !== "RS256") throw new OAuthError(400, "invalid_grant", "Invalid JWT: only RS256 is accepted.");

  const account = trusted.find((a) => a.clientEmail === payload.iss);
  if (!account) throw new OAuthError(401, "invalid_client", "The OAuth client was not found.");
  const key: KeyObject = createPublicKey(account.publicKeyPem);
  const ok = verify(
    "RSA-SHA256",
    Buffer.from(`${headerPart}.${payloadPart}`),
    key,
    Buffer.from(signaturePart, "base64url"),
  );
  if (!ok) throw new OAuthError(400, "invalid_grant", "Invalid JWT Signature.");

  if (payload.aud !== GOOGLE_TOKEN_AUDIENCE) {
    throw new OAuthError(400, "invalid_grant", "Invalid JWT: Failed audience check.");
  }
  const iat = payload.iat;
  const exp = payload.exp;
  if (typeof iat !== "number" || typeof exp !== "number") {
    throw new OAuthError(400, "invalid_grant", "Invalid JWT: iat and exp are required.");
  }
  // Google allows a few minutes of clock skew and at most one hour of lifetime.
  if (exp <= nowSeconds - 300 || iat > nowSeconds + 300 || exp - iat > 3600) {
    throw new OAuthError(
      400,
      "invalid_grant",
      "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
    );
  }
  const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
  if (scopes.length === 0) throw new OAuthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  return {
    clientEmail: account.clientEmail,
    subject: typeof payload.sub === "string" ? payload.sub : undefined,
    scopes,
  };
}
