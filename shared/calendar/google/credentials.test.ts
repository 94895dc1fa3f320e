import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseServiceAccountCredentials } from "./credentials.ts";

const json = readFileSync(new URL("../../../test/fixtures/google/service-account.test-only.json", import.meta.url), "utf8");
const parsed = JSON.parse(json) as Record<string, string>;

describe("parseServiceAccountCredentials", () => {
  it("reads the key file JSON", () => {
    const creds = parseServiceAccountCredentials(json);
    expect(creds.clientEmail).toBe(parsed.client_email);
    expect(creds.privateKey).toBe(parsed.private_key);
    expect(creds.privateKeyId).toBe(parsed.private_key_id);
  });

  it("reads base64 of the JSON, as pasted into a secret", () => {
    expect(parseServiceAccountCredentials(Buffer.from(json).toString("base64"))).toEqual(parseServiceAccountCredentials(json));
  });

  it("puts back newlines flattened to a literal \\n", () => {
    const flattened = JSON.stringify({ ...parsed, private_key: parsed.private_key!.replace(/\n/g, "\\n") });
    expect(flattened).toContain("\\\\n");
    const creds = parseServiceAccountCredentials(flattened);
    expect(creds.privateKey).toBe(parsed.private_key);
    expect(creds.privateKey).not.toContain("\\n");
  });

  it("rejects a file that is not a service account, without echoing the key", () => {
    const broken = JSON.stringify({ ...parsed, client_email: undefined });
    expect(() => parseServiceAccountCredentials(broken)).toThrow(/client_email/);
    try {
      parseServiceAccountCredentials(broken);
    } catch (error) {
      expect(String(error)).not.toContain("PRIVATE KEY");
    }
  });

  it("rejects text that is neither JSON nor base64 of JSON", () => {
    expect(() => parseServiceAccountCredentials("not a key file")).toThrow(TypeError);
  });
});
