/**
 * Runs the Twilio Messages API emulator on its own (the demo, trying the SMS confirmation by hand).
 *
 * @example
 * PORT=8086 npx tsx test/twilio-emulator/main.ts
 * // TWILIO_API_BASE_URL=http://127.0.0.1:8086 TWILIO_ACCOUNT_SID=AC000...1 TWILIO_AUTH_TOKEN=test-only-auth-token-0000000000
 */
import { startTwilioEmulator } from "./emulator.ts";

const emulator = await startTwilioEmulator({ port: Number(process.env.PORT ?? 8086), host: process.env.HOST ?? "127.0.0.1" });
console.log(`twilio-emulator listening ${emulator.url}`);
const stop = () => void emulator.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
