/**
 * The app registration's credentials as they arrive from the environment: tenant, client id, and a
 * client secret or a certificate (PEM with its private key, or base64 of that PEM). The certificate's
 * SHA-256 thumbprint, which Entra matches against the registration, is computed, never configured.
 */
import { z } from "zod";

export interface MicrosoftCredentials {
  /** Directory (tenant) id, or its domain (contoso.onmicrosoft.com). */
  tenantId: string;
  /** Application (client) id. */
  clientId: string;
  clientSecret?: string;
  /** PEM blocks: the certificate and its (PKCS#8) private key. */
  certificate?: { certificatePem: string; privateKeyPem: string };
}

const credentialsSchema = z.object({
  tenantId: z.string().trim().regex(/^[0-9a-f-]{36}$|^[a-z0-9.-]+\.[a-z]{2,}$/i, "a tenant id (GUID) or domain"),
  clientId: z.string().trim().regex(/^[0-9a-f-]{36}$/i, "an application (client) id, a GUID"),
  clientSecret: z.string().min(1).optional(),
  clientCertificate: z.string().min(1).optional(),
});

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

function pemOf(text: string): string {
  const trimmed = text.trim().replace(/\\n/g, "\n");
  if (trimmed.includes("-----BEGIN")) return trimmed;
  try {
    return atob(trimmed.replace(/\s+/g, ""));
  } catch {
    return trimmed;
  }
}

/**
 * Parses the credentials; throws a TypeError naming the bad fields, never echoing a secret or a key.
 *
 * @example
 * parseMicrosoftCredentials({ tenantId: env.MICROSOFT_TENANT_ID, clientId: env.MICROSOFT_CLIENT_ID, clientSecret: env.MICROSOFT_CLIENT_SECRET });
 */
export function parseMicrosoftCredentials(input: {
  tenantId?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  clientCertificate?: string | undefined;
}): MicrosoftCredentials {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join(".")} (${issue.message})`).join(", ");
    throw new TypeError(`Microsoft credentials are not usable: ${fields}`);
  }
  const { tenantId, clientId, clientSecret, clientCertificate } = parsed.data;
  if (clientCertificate !== undefined) {
    const blocks = [...pemOf(clientCertificate).matchAll(PEM_BLOCK)];
    const certificatePem = blocks.find((b) => b[1] === "CERTIFICATE")?.[0];
    const privateKeyPem = blocks.find((b) => b[1]?.endsWith("PRIVATE KEY"))?.[0];
    if (!certificatePem || !privateKeyPem) {
      throw new TypeError("Microsoft credentials are not usable: clientCertificate (a PEM with a CERTIFICATE block and its PRIVATE KEY block)");
    }
    return { tenantId, clientId, certificate: { certificatePem, privateKeyPem } };
  }
  if (clientSecret === undefined) {
    throw new TypeError("Microsoft credentials are not usable: give a clientSecret or a clientCertificate");
  }
  return { tenantId, clientId, clientSecret };
}

/** The certificate's SHA-256 thumbprint in hex (what MSAL's `thumbprintSha256` wants), through WebCrypto. */
export async function certificateThumbprintSha256(certificatePem: string): Promise<string> {
  const base64 = certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}
