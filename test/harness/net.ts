/** Network helpers for tests that start servers of their own. */
import { createServer } from "node:net";

/**
 * A TCP port free on 127.0.0.1 right now, for a child process that must be told its port. Another
 * process may take it first: the caller retries with a new one when the child fails to bind it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
