/**
 * Runs the Google Calendar emulator on its own.
 *
 * @example
 * PORT=8085 EMULATOR_CALENDARS="primary,shop@example.com=America/Phoenix" npx tsx test/google-emulator/main.ts
 * // token URL http://127.0.0.1:8085/token, Calendar API http://127.0.0.1:8085/calendar/v3
 */
import { startGoogleEmulator } from "./emulator.ts";

const port = Number(process.env.PORT ?? 8085);
const emulator = await startGoogleEmulator({
  port,
  host: process.env.HOST ?? "127.0.0.1",
  autoCreateCalendars: process.env.EMULATOR_AUTO_CREATE === "1",
  calendars: (process.env.EMULATOR_CALENDARS ?? "").split(",").filter(Boolean),
});
// One parseable line, so a parent process (the Deno test, benchmarks) can read the URL.
console.log(`google-emulator listening ${emulator.url}`);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
