/**
 * Prints the Vapi tool definitions (JSON array) for the `vapi` function at a URL.
 *
 *   npm run vapi:tools -- https://<project-ref>.supabase.co/functions/v1/vapi [--credential <vapi credential id>]
 *
 * Without a URL it uses SLOTLINE_VAPI_URL, else the local server's http://localhost:54321/functions/v1/vapi.
 * POST each element to https://api.vapi.ai/tool, or paste the array into an assistant's model.tools.
 */
import { toolDefinitions } from "../shared/vapi/tool-definitions.ts";

const args = process.argv.slice(2);
const flag = args.indexOf("--credential");
const credentialId = flag >= 0 ? args[flag + 1] : process.env.VAPI_CREDENTIAL_ID;
const positional = args.filter((arg, i) => !arg.startsWith("--") && (flag < 0 || i !== flag + 1));
const serverUrl = positional[0] ?? process.env.SLOTLINE_VAPI_URL ?? "http://localhost:54321/functions/v1/vapi";

try {
  new URL(serverUrl);
} catch {
  console.error(`"${serverUrl}" is not a URL. Usage: npm run vapi:tools -- https://<project-ref>.supabase.co/functions/v1/vapi`);
  process.exit(2);
}
console.log(JSON.stringify(toolDefinitions({ serverUrl, credentialId }), null, 2));
