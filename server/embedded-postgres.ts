/**
 * The embedded database of `npm start`: PGlite (Postgres 18 in WebAssembly, with btree_gist) kept in a
 * directory on disk, served over the Postgres wire protocol on 127.0.0.1 so that postgres.js, psql and
 * the Supabase CLI talk to it exactly as to a real Postgres. One store driver serves both.
 *
 * Everything runs in one PGlite session, one connection's turn at a time (see session-queue.ts):
 * concurrent clients are correct but serialised, and session state (`set`, temporary tables, advisory
 * locks) is shared by all of them. Hold no transaction open while waiting on something else: every
 * other connection waits with it, and a transaction that waits on another connection of the same
 * process never finishes.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from "@electric-sql/pglite-socket";
import { SessionQueue } from "./session-queue.ts";

export interface EmbeddedPostgresOptions {
  /** Where the database lives; created when missing. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 (the default) takes a free one. */
  port?: number;
}

export interface EmbeddedPostgres {
  /** A postgres:// URL for any Postgres client, e.g. `postgres(url, { prepare: false })`. */
  url: string;
  /** The PGlite instance itself, for in-process use while no client is connected. */
  pglite: PGlite;
  /** Disconnects clients, shuts Postgres down cleanly (everything on disk) and frees the directory. */
  close(): Promise<void>;
}

/**
 * Starts PGlite on `dataDir` and serves it on 127.0.0.1.
 * @example
 * const db = await startEmbeddedPostgres({ dataDir: ".slotline/db" });
 * const sql = postgres(db.url, { prepare: false });
 * // ...
 * await sql.end();
 * await db.close();
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const releaseLock = await lockDataDir(dataDir);

  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir, extensions: { btree_gist } });
  } catch (error) {
    await releaseLock();
    throw error;
  }

  const queue = new SessionQueue(pglite);
  const handlers = new Set<PGLiteSocketHandler>();
  const server = createServer((socket) => void attach(socket));

  async function attach(socket: Socket): Promise<void> {
    const handler = new PGLiteSocketHandler({
      // The handler's option is typed as pglite-socket's own (unexported) queue class; SessionQueue
      // implements the three methods the handler calls.
      queryQueue: queue as unknown as PGLiteSocketHandlerOptions["queryQueue"],
      closeOnDetach: true,
    });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener("close", forget);
    handler.addEventListener("error", forget);
    try {
      await handler.attach(socket);
    } catch {
      forget();
      socket.destroy();
    }
  }

  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (error) {
    await pglite.close();
    await releaseLock();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    pglite,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((done) => server.close(() => done()));
        await Promise.all([...handlers].map((handler) => handler.detach(true)));
        handlers.clear();
        await stopped;
        await queue.idle();
        await pglite.close();
        await releaseLock();
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("expected a TCP address"));
      else resolvePort(address.port);
    });
  });
}

/**
 * PGlite takes no lock of its own, and two processes on one directory corrupt it. A pid file says who
 * has it; one left by a process that is gone (a crash) is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = resolve(dataDir, "slotline.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: "wx" });
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt(await readFile(lockFile, "utf8").catch(() => ""), 10);
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new Error(
        `${dataDir} is in use by process ${holder}${holder === process.pid ? " (this one)" : ""}: ` +
          "stop it first, or set SLOTLINE_DATA_DIR to another directory.",
      );
    }
    await rm(lockFile, { force: true });
  }
  throw new Error(`could not lock ${dataDir}: ${lockFile} keeps coming back`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
