/**
 * Microsoft identity platform (Entra ID) for app-only Graph access: the v2.0 token endpoint's
 * client-credentials grant (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow)
 * with a client secret or a client assertion (a certificate-signed JWT, RS256 with `x5t` or PS256 with
 * `x5t#S256`, learn.microsoft.com/entra/identity-platform/certificate-credentials), checked as Entra
 * checks it, and refusals as Entra writes them: `{error, error_description: "AADSTS<n>: ...",
 * error_codes, timestamp, trace_id, correlation_id, error_uri}`. Also the OpenID metadata and instance
 * discovery documents MSAL reads before it asks for a token.
 */
import { constants, createHash, randomUUID, verify, X509Certificate } from "node:crypto";

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default";
/** The public authority host. Metadata names it (as Entra does); clients rewrite it to the emulator. */
export const AUTHORITY_HOST = "login.microsoftonline.com";

/** An app registration the emulator knows, with its application permissions. */
export interface AppRegistration {
  tenantId: string;
  /** Other names the tenant answers to in the path (e.g. contoso.onmicrosoft.com). */
  tenantDomains?: string[];
  clientId: string;
  /** Client secret values. */
  secrets: string[];
  /** PEM certificates whose keys may sign client assertions. */
  certificates: string[];
  /** Application permissions granted (admin-consented), e.g. Calendars.ReadWrite. */
  roles: string[];
  /**
   * An Exchange application access policy: the mailboxes (ids or user principal names) this app may
   * reach. Unset: every mailbox.
   */
  allowedMailboxes?: string[];
}

/** What a successful exchange grants. */
export interface Grant {
  app: AppRegistration;
  roles: string[];
}

/** An Entra refusal: status, OAuth error, AADSTS number and text. */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly description: string,
  ) {
    super(description);
  }

  body(): Record<string, unknown> {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://${AUTHORITY_HOST}/error?code=${this.aadsts}`,
    };
  }
}

export const entraErrors = {
  tenantNotFound: (tenant: string) =>
    new EntraError(
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  unsupportedGrant: (grant: string) =>
    new EntraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`),
  missingParameter: (name: string) => new EntraError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`),
  appNotFound: (clientId: string, tenant: string) =>
    new EntraError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  invalidScope: (scope: string) =>
    new EntraError(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  noCredential: () =>
    new EntraError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  invalidSecret: (clientId: string) =>
    new EntraError(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  invalidAssertionType: () => new EntraError(400, "invalid_request", 700025, "Client assertion type is invalid; expected 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'."),
  malformedAssertion: () => new EntraError(400, "invalid_request", 50027, "JWT token is invalid or malformed."),
  unknownKey: (thumbprint: string) =>
    new EntraError(
      401,
      "invalid_client",
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}']`,
    ),
  badSignature: () => new EntraError(401, "invalid_client", 700027, "Client assertion failed signature validation."),
  assertionTime: () => new EntraError(401, "invalid_client", 700024, "Client assertion is not within its valid time range."),
  assertionAudience: (audience: string) =>
    new EntraError(401, "invalid_client", 700023, `Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCredentials. Audience: '${audience}'.`),
  assertionSubject: () => new EntraError(401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter."),
  assertionReplayed: () => new EntraError(401, "invalid_client", 700025, "Client assertion contains a jti that has already been used."),
  /** A transient refusal (throttling or an outage at Entra). */
  transient: (status: number) => new EntraError(status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again."),
};

function b64json(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw entraErrors.malformedAssertion();
}

/** The thumbprints Entra matches `x5t` (SHA-1) and `x5t#S256` (SHA-256) against, base64url. */
export function certificateThumbprints(pem: string): { x5t: string; x5tS256: string } {
  const der = new X509Certificate(pem).raw;
  return {
    x5t: createHash("sha1").update(der).digest("base64url"),
    x5tS256: createHash("sha256").update(der).digest("base64url"),
  };
}

/** The token endpoint URLs an assertion may name as its audience. */
function audiences(tenantNames: string[]): Set<string> {
  return new Set(
    tenantNames.flatMap((t) => [
      `https://${AUTHORITY_HOST}/${t}/oauth2/v2.0/token`,
      `https://${AUTHORITY_HOST}/${t}/oauth2/token`,
      `https://${AUTHORITY_HOST}/${t}/v2.0`,
    ]),
  );
}

/**
 * The client-credentials exchange. `tenant` is the path segment (tenant id or one of its domains).
 * `usedJtis` remembers assertion ids, which Entra refuses to see twice.
 */
export function clientCredentials(
  tenant: string,
  form: URLSearchParams,
  apps: readonly AppRegistration[],
  usedJtis: Set<string>,
  nowSeconds: number,
): Grant {
  const inTenant = apps.filter((a) => a.tenantId === tenant || (a.tenantDomains ?? []).some((d) => d.toLowerCase() === tenant.toLowerCase()));
  if (inTenant.length === 0) throw entraErrors.tenantNotFound(tenant);
  const grantType = form.get("grant_type");
  if (grantType === null) throw entraErrors.missingParameter("grant_type");
  if (grantType !== "client_credentials") throw entraErrors.unsupportedGrant(grantType);
  const scope = form.get("scope");
  if (scope === null) throw entraErrors.missingParameter("scope");
  const scopes = scope.split(" ").filter(Boolean);
  if (scopes.length !== 1 || !scopes[0]!.endsWith("/.default")) throw entraErrors.invalidScope(scope);
  if (scopes[0] !== GRAPH_DEFAULT_SCOPE && scopes[0] !== "00000003-0000-0000-c000-000000000000/.default") throw entraErrors.invalidScope(scope);

  const assertion = form.get("client_assertion");
  let clientId = form.get("client_id");
  if (clientId === null && assertion !== null) {
    const parts = assertion.split(".");
    clientId = typeof b64json(parts[1] ?? "").sub === "string" ? (b64json(parts[1]!).sub as string) : null;
  }
  if (clientId === null) throw entraErrors.missingParameter("client_id");
  const app = inTenant.find((a) => a.clientId === clientId);
  if (!app) throw entraErrors.appNotFound(clientId, tenant);

  const secret = form.get("client_secret");
  if (secret !== null) {
    if (!app.secrets.includes(secret)) throw entraErrors.invalidSecret(clientId);
    return { app, roles: app.roles };
  }
  if (assertion === null) throw entraErrors.noCredential();
  if (form.get("client_assertion_type") !== CLIENT_ASSERTION_TYPE) throw entraErrors.invalidAssertionType();
  const parts = assertion.split(".");
  if (parts.length !== 3) throw entraErrors.malformedAssertion();
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = b64json(headerPart);
  const payload = b64json(payloadPart);
  const alg = header.alg;
  if (alg !== "RS256" && alg !== "PS256") throw entraErrors.malformedAssertion();
  const thumbprint = String(header["x5t#S256"] ?? header.x5t ?? "");
  const certificate = app.certificates.find((pem) => {
    const t = certificateThumbprints(pem);
    return header["x5t#S256"] !== undefined ? t.x5tS256 === header["x5t#S256"] : t.x5t === header.x5t;
  });
  if (!certificate) throw entraErrors.unknownKey(thumbprint);
  const key = new X509Certificate(certificate).publicKey;
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, "base64url");
  const ok =
    alg === "RS256"
      ? verify("RSA-SHA256", signed, key, signature)
      : verify("sha256", signed, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
  if (!ok) throw entraErrors.badSignature();
  if (payload.iss !== clientId || payload.sub !== clientId) throw entraErrors.assertionSubject();
  const tenantNames = [app.tenantId, ...(app.tenantDomains ?? [])];
  if (typeof payload.aud !== "string" || !audiences(tenantNames).has(payload.aud)) throw entraErrors.assertionAudience(String(payload.aud));
  const exp = payload.exp;
  const nbf = payload.nbf ?? payload.iat;
  // Entra allows five minutes of clock skew.
  if (typeof exp !== "number" || exp <= nowSeconds - 300 || (typeof nbf === "number" && nbf > nowSeconds + 300)) throw entraErrors.assertionTime();
  if (typeof payload.jti === "string") {
    if (usedJtis.has(payload.jti)) throw entraErrors.assertionReplayed();
    usedJtis.add(payload.jti);
  }
  return { app, roles: app.roles };
}

/** `GET /{tenant}/v2.0/.well-known/openid-configuration`, naming the public host as Entra does. */
export function openIdConfiguration(tenantId: string): Record<string, unknown> {
  const base = `https://${AUTHORITY_HOST}/${tenantId}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `https://${AUTHORITY_HOST}/${tenantId}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `https://${AUTHORITY_HOST}/${tenantId}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "nonce", "tid"],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

/** `GET /common/discovery/instance`: the public cloud's aliases. */
export function instanceDiscovery(): Record<string, unknown> {
  return {
    tenant_discovery_endpoint: `https://${AUTHORITY_HOST}/common/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [
      {
        preferred_network: AUTHORITY_HOST,
        preferred_cache: "login.windows.net",
        aliases: [AUTHORITY_HOST, "login.windows.net", "login.microsoft.com", "sts.windows.net"],
      },
    ],
  };
}
