/**
 * Probe for docs/decisions/microsoft-auth.md: does @azure/msal-node acquire an app-only Graph token
 * (client secret, then certificate) in this runtime, against the Graph emulator? Runs unchanged in Node
 * and in Deno 2 with an `npm:` specifier, as the Supabase edge runtime would load it.
 *
 *   npx tsx test/graph-emulator/msal-probe.ts
 *   bash scripts/deno.sh run -A --no-config test/graph-emulator/msal-probe.ts
 *
 * It starts the emulator (Node, as a child process) unless GRAPH_EMULATOR_URL names one already running.
 * Least permissions that work in Deno: --allow-net, --allow-env (MSAL reads process.env at load),
 * --allow-read for the TEST ONLY certificate, --allow-run only to start the emulator.
 *
 * MSAL's authority must be https and is also the assertion's audience, so it keeps the public
 * authority; its documented `system.networkClient` option (an INetworkModule) sends the requests to the
 * emulator instead, as google-auth-library's `transporter` does for Google.
 */
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/** The slice of @azure/msal-node this probe uses (imported dynamically: a bare name in Node, npm: in Deno). */
interface NetworkResponse {
  headers: Record<string, string>;
  body: unknown;
  status: number;
}
interface MsalNode {
  ConfidentialClientApplication: new (config: {
    auth: {
      clientId: string;
      authority: string;
      clientSecret?: string;
      clientCertificate?: { thumbprintSha256: string; privateKey: string; x5c?: string };
    };
    system?: {
      networkClient?: {
        sendGetRequestAsync(url: string, options?: { headers?: Record<string, string>; body?: string }): Promise<NetworkResponse>;
        sendPostRequestAsync(url: string, options?: { headers?: Record<string, string>; body?: string }): Promise<NetworkResponse>;
      };
    };
  }) => {
    acquireTokenByClientCredential(request: { scopes: string[] }): Promise<{ accessToken: string; expiresOn: Date | null; fromCache: boolean } | null>;
  };
}

const TENANT = "7d3e5f0a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const CLIENT_ID = "0e4a1c2b-3d5f-4a6b-9c8d-7e6f5a4b3c2d";
const SECRET = "TEST-ONLY~graph-emulator-secret.not-a-real-credential";
const AUTHORITY = "https://login.microsoftonline.com";

const deno = (globalThis as { Deno?: { version: { deno: string }; env: { get(name: string): string | undefined } } }).Deno;
const runtime = deno ? `deno ${deno.version.deno}` : `node ${process.version}`;
const given = deno ? deno.env.get("GRAPH_EMULATOR_URL") : process.env.GRAPH_EMULATOR_URL;
const child =
  given === undefined
    ? spawn(new URL("../../node_modules/.bin/tsx", import.meta.url).pathname, [new URL("./main.ts", import.meta.url).pathname], {
        env: { PATH: (deno ? deno.env.get("PATH") : process.env.PATH) ?? "", PORT: "0", EMULATOR_MAILBOXES: "shop@contoso.com" },
        stdio: ["ignore", "pipe", "inherit"],
      })
    : undefined;
const emulatorUrl =
  given ??
  (await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the emulator did not start within 30 s")), 30_000);
    createInterface({ input: child!.stdout! }).on("line", (line) => {
      const match = /^graph-emulator listening (\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  }));
const specifier = deno ? "npm:@azure/msal-node@7.2.3" : "@azure/msal-node";
const msal = (await import(specifier)) as MsalNode;

/** MSAL's requests, sent to the emulator instead of login.microsoftonline.com. */
const requests: string[] = [];
async function send(url: string, method: string, options?: { headers?: Record<string, string>; body?: string }): Promise<NetworkResponse> {
  const target = url.startsWith(AUTHORITY) ? emulatorUrl + url.slice(AUTHORITY.length) : url;
  requests.push(`${method} ${new URL(target).pathname}`);
  const response = await fetch(target, { method, ...(options?.headers ? { headers: options.headers } : {}), ...(options?.body ? { body: options.body } : {}) });
  return { headers: Object.fromEntries(response.headers), body: await response.json(), status: response.status };
}
const networkClient = {
  sendGetRequestAsync: (url: string, options?: { headers?: Record<string, string>; body?: string }) => send(url, "GET", options),
  sendPostRequestAsync: (url: string, options?: { headers?: Record<string, string>; body?: string }) => send(url, "POST", options),
};

const certificatePem = readFileSync(new URL("./fixtures/app-certificate.test-only.pem", import.meta.url), "utf8");
const privateKey = readFileSync(new URL("./fixtures/app-certificate.test-only.key.pem", import.meta.url), "utf8");
const thumbprintSha256 = new X509Certificate(certificatePem).fingerprint256.replaceAll(":", "");

const credentials = {
  secret: { clientSecret: SECRET },
  certificate: { clientCertificate: { thumbprintSha256, privateKey, x5c: certificatePem } },
};

for (const [name, credential] of Object.entries(credentials)) {
  const app = new msal.ConfidentialClientApplication({
    auth: { clientId: CLIENT_ID, authority: `${AUTHORITY}/${TENANT}`, ...credential },
    system: { networkClient },
  });
  requests.length = 0;
  const first = await app.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
  const second = await app.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
  if (!first?.accessToken) throw new Error(`${runtime} ${name}: no token`);
  const graph = await fetch(`${emulatorUrl}/v1.0/users/shop%40contoso.com/calendarView?startDateTime=2027-03-10T00:00:00Z&endDateTime=2027-03-11T00:00:00Z`, {
    headers: { authorization: `Bearer ${first.accessToken}` },
  });
  console.log(
    JSON.stringify({
      runtime,
      credential: name,
      token: `${first.accessToken.slice(0, 12)}...`,
      expiresOn: first.expiresOn?.toISOString(),
      secondFromCache: second?.fromCache,
      requests,
      graphCalendarView: graph.status,
    }),
  );
}
child?.kill("SIGTERM");
