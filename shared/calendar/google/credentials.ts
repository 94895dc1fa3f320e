/**
 * Service-account credentials as they arrive from the environment: the key file's JSON, or base64 of it
 * (easier to paste into `supabase secrets set`), with private keys whose newlines were flattened to a
 * literal `\n` by a shell or a dashboard put back.
 */
import { z } from "zod";

const serviceAccountSchema = z.object({
  type: z.literal("service_account").optional(),
  client_email: z.string().email(),
  private_key: z.string().min(1),
  private_key_id: z.string().optional(),
  project_id: z.string().optional(),
});

/** The parts of a service-account key file the client needs. */
export interface ServiceAccountCredentials {
  clientEmail: string;
  /** PEM (PKCS#8), with real newlines. */
  privateKey: string;
  privateKeyId?: string;
}

/**
 * Parses a service-account key file given as JSON text, base64 of that text, or an already parsed object.
 * Throws a `TypeError` that never contains the key when the input is not a service account.
 *
 * @example
 * const creds = parseServiceAccountCredentials(env.GOOGLE_SERVICE_ACCOUNT_JSON);
 * creds.clientEmail // "booking@my-project.iam.gserviceaccount.com"
 */
export function parseServiceAccountCredentials(input: string | Record<string, unknown>): ServiceAccountCredentials {
  let value: unknown = input;
  if (typeof input === "string") {
    const text = input.trim();
    value = parseJson(text.startsWith("{") ? text : decodeBase64(text));
  }
  const parsed = serviceAccountSchema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ");
    throw new TypeError(`Google service account credentials are invalid (check: ${fields})`);
  }
  const privateKey = parsed.data.private_key.replace(/\\n/g, "\n").replace(/\r\n/g, "\n");
  if (!privateKey.includes("-----BEGIN PRIVATE KEY-----")) {
    throw new TypeError("Google service account private_key is not a PEM PKCS#8 key");
  }
  return {
    clientEmail: parsed.data.client_email,
    privateKey,
    ...(parsed.data.private_key_id === undefined ? {} : { privateKeyId: parsed.data.private_key_id }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new TypeError("Google service account credentials are neither JSON nor base64 of JSON");
  }
}

function decodeBase64(text: string): string {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/").replace(/\s+/g, ""));
    return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new TypeError("Google service account credentials are neither JSON nor base64 of JSON");
  }
}
