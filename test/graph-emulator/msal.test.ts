/**
 * Evidence for docs/decisions/microsoft-auth.md: @azure/msal-node against the emulator's token endpoint
 * (in Node; msal-probe.ts runs the same exchange in Deno). MSAL keeps the public authority (https only,
 * and the assertion's audience); its `system.networkClient` sends the requests to the emulator.
 */
import { X509Certificate } from "node:crypto";
import { ConfidentialClientApplication, ServerError, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from "@azure/msal-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { graphEmulatorControl, type GraphEmulatorControl } from "./control.ts";
import { startGraphEmulator, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID, testCertificate, type GraphEmulator } from "./emulator.ts";
import { graph } from "./test-kit.ts";

const AUTHORITY = "https://login.microsoftonline.com";
const SCOPES = ["https://graph.microsoft.com/.default"];

let emulator: GraphEmulator;
let control: GraphEmulatorControl;

beforeAll(async () => {
  emulator = await startGraphEmulator({ mailboxes: ["shop@contoso.com"] });
  control = graphEmulatorControl(emulator.url);
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await control.reset();
});

/** An INetworkModule that sends MSAL's requests to the emulator, over fetch. */
function toEmulator(): INetworkModule {
  const send = async <T>(url: string, method: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    const target = url.startsWith(AUTHORITY) ? emulator.url + url.slice(AUTHORITY.length) : url;
    const response = await fetch(target, { method, ...(options?.headers ? { headers: options.headers } : {}), ...(options?.body ? { body: options.body } : {}) });
    return { headers: Object.fromEntries(response.headers), body: (await response.json()) as T, status: response.status };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, "GET", options),
    sendPostRequestAsync: (url, options) => send(url, "POST", options),
  };
}

function secretApp(secret = TEST_CLIENT_SECRET) {
  return new ConfidentialClientApplication({
    auth: { clientId: TEST_CLIENT_ID, authority: `${AUTHORITY}/${TEST_TENANT_ID}`, clientSecret: secret },
    system: { networkClient: toEmulator() },
  });
}

describe("@azure/msal-node against the emulator", () => {
  it("acquires an app-only token with the client secret and serves the next call from its cache", async () => {
    const app = secretApp();
    const first = await app.acquireTokenByClientCredential({ scopes: SCOPES });
    const second = await app.acquireTokenByClientCredential({ scopes: SCOPES });
    expect(first?.accessToken).toMatch(/^ey/);
    expect(second).toMatchObject({ fromCache: true, accessToken: first!.accessToken });
    // MSAL knows the public cloud's metadata: the token request is the only one it sends.
    expect((await control.requests()).map((r) => r.route)).toEqual(["token"]);
    expect((await graph(emulator.url, first!.accessToken, "GET", "/users/shop%40contoso.com/events")).status).toBe(200);
    // skipCache forces an exchange (what a refresh after a 401 needs).
    await app.acquireTokenByClientCredential({ scopes: SCOPES, skipCache: true });
    expect(await control.requests("token")).toHaveLength(2);
  });

  it("acquires a token with a certificate (PS256 assertion, x5t#S256 header) that the emulator verifies", async () => {
    const { certificatePem, privateKeyPem } = testCertificate();
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: TEST_CLIENT_ID,
        authority: `${AUTHORITY}/${TEST_TENANT_ID}`,
        clientCertificate: { thumbprintSha256: new X509Certificate(certificatePem).fingerprint256.replaceAll(":", ""), privateKey: privateKeyPem },
      },
      system: { networkClient: toEmulator() },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: SCOPES });
    expect(result?.accessToken).toMatch(/^ey/);
  });

  it("refuses an http authority, so tests keep the public one and reroute its requests", async () => {
    const app = new ConfidentialClientApplication({ auth: { clientId: TEST_CLIENT_ID, authority: `${emulator.url}/${TEST_TENANT_ID}`, clientSecret: TEST_CLIENT_SECRET } });
    await expect(app.acquireTokenByClientCredential({ scopes: SCOPES })).rejects.toMatchObject({ errorCode: "authority_uri_insecure" });
  });

  it("surfaces Entra refusals as ServerError with the OAuth error code and the AADSTS text", async () => {
    const error = await secretApp("wrong").acquireTokenByClientCredential({ scopes: SCOPES }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ errorCode: "invalid_client", status: 401, errorMessage: expect.stringContaining("AADSTS7000215") });
  });

  it("does not retry a 503, and replays it from its own throttling cache until Retry-After has passed", async () => {
    const app = secretApp();
    await control.fault({ route: "token", kind: "503", retryAfterSeconds: 30 });
    await expect(app.acquireTokenByClientCredential({ scopes: SCOPES })).rejects.toBeInstanceOf(ServerError);
    // The fault is used up, but MSAL does not ask again: it answers the remembered error itself.
    await expect(app.acquireTokenByClientCredential({ scopes: SCOPES })).rejects.toBeInstanceOf(ServerError);
    expect(await control.requests("token")).toHaveLength(1);
    // A new application object has its own (empty) throttling cache.
    expect((await secretApp().acquireTokenByClientCredential({ scopes: SCOPES }))?.accessToken).toMatch(/^ey/);
  });
});
