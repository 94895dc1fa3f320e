/**
 * Runs the Microsoft Graph emulator on its own.
 *
 * @example
 * PORT=8086 EMULATOR_MAILBOXES="shop@contoso.com=Pacific Standard Time" npx tsx test/graph-emulator/main.ts
 * // Graph http://127.0.0.1:8086/v1.0, token http://127.0.0.1:8086/<tenant>/oauth2/v2.0/token
 */
import { startGraphEmulator, TEST_CLIENT_ID, TEST_TENANT_ID } from "./emulator.ts";

const port = Number(process.env.PORT ?? 8086);
const emulator = await startGraphEmulator({
  port,
  host: process.env.HOST ?? "127.0.0.1",
  autoCreateMailboxes: process.env.EMULATOR_AUTO_CREATE === "1",
  mailboxes: (process.env.EMULATOR_MAILBOXES ?? "").split(",").filter(Boolean),
});
// One parseable line, so a parent process (a Deno test, benchmarks) can read the URL.
console.log(`graph-emulator listening ${emulator.url} tenant ${TEST_TENANT_ID} client ${TEST_CLIENT_ID}`);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
