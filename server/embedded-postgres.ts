/**
 * The embedded database of `npm start`: PGlite (Postgres 18 in WebAssembly, with btree_gist) kept in a
 * directory on disk, served over the Postgres wire protocol on 127.0.0.1 so that postgres.js, psql and
 * the Supabase CLI talk to it exactly as to a real Postgres. One store driver serves both.
 *
 * Who can connect: PGlite itself lets any client in as its superuser, whatever user it names, so the
 * port asks for a password first (cleartext, which never leaves the loopback interface): a random one
 * per start unless given, known only to whoever holds `url`. Other users and programs of the machine
 * reach the port but not the database; the data directory is created readable by its owner only.
 *
 * Everything runs in one PGlite session, one connection's turn at a time (see session-queue.ts):
 * concurrent clients are correct but serialised. Settings (`set`, `set role`) are reset when the
 * session passes to another connection; temporary tables, named prepared statements and advisory locks
 * are shared by all of them. Hold no transaction open while waiting on something else: every other
 * connection waits with it, and a transaction that waits on another connection of the same process
 * never finishes.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
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
  /** The password clients must give; default a random one for this start. */
  password?: string;
}

export interface EmbeddedPostgres {
  /** A postgres:// URL for any Postgres client, password included, e.g. `postgres(url, { prepare: false })`. */
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
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const releaseLock = await lockDataDir(dataDir);

  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir, extensions: { btree_gist } });
  } catch (error) {
    await releaseLock();
    throw error;
  }
  // The user PGlite starts as (its superuser). `reset session authorization` does not bring it back in
  // PGlite once a client has set another one; naming it does.
  const superuser = await pglite.query<{ name: string }>("select quote_ident(session_user) as name").then(
    (result) => result.rows[0]?.name ?? "postgres",
    async (error: unknown) => {
      await pglite.close();
      await releaseLock();
      throw error;
    },
  );

  const password = options.password ?? randomBytes(24).toString("base64url");
  const queue = new SessionQueue(pglite, { resetSql: `set session authorization ${superuser}; reset role; reset all` });
  const handlers = new Set<PGLiteSocketHandler>();
  const authenticating = new Set<Socket>();
  let closing: Promise<void> | undefined;
  const server = createServer((socket) => void attach(socket));

  async function attach(socket: Socket): Promise<void> {
    authenticating.add(socket);
    const startup = await passwordGate(socket, password);
    authenticating.delete(socket);
    if (!startup || closing) {
      socket.destroy();
      return;
    }
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
      // The client's start-up packet again, now for PGlite (which answers AuthenticationOk).
      socket.unshift(startup);
      await handler.attach(socket);
      socket.resume();
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

  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    pglite,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((done) => server.close(() => done()));
        for (const socket of authenticating) socket.destroy();
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

// Start-up request codes (the second int32 of a length-prefixed packet with no type byte).
const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const MAX_STARTUP_BYTES = 10_000;
const AUTH_TIMEOUT_MS = 10_000;

/**
 * Asks a new connection for the password before PGlite sees anything of it: answers SSL and GSS
 * encryption requests with "no", takes the start-up packet, asks for a cleartext password and checks it.
 * Resolves with the start-up packet (to replay to PGlite) with the socket paused, or undefined when the
 * connection was refused and closed.
 */
function passwordGate(socket: Socket, password: string): Promise<Buffer | undefined> {
  const expected = createHash("sha256").update(password).digest();
  return new Promise((done) => {
    let buffered = Buffer.alloc(0);
    let startup: Buffer | undefined;
    const finish = (result: Buffer | undefined) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onEnd);
      socket.off("close", onEnd);
      done(result);
    };
    const refuse = (code: string, message: string) => {
      socket.end(errorResponse(code, message));
      finish(undefined);
    };
    const onEnd = () => finish(undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      finish(undefined);
    }, AUTH_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (!startup) {
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (length < 8 || length > MAX_STARTUP_BYTES) return refuse("08P01", "invalid start-up packet");
          if (buffered.length < length) return;
          const packet = buffered.subarray(0, length);
          buffered = buffered.subarray(length);
          const code = packet.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write("N");
            continue;
          }
          if (code !== PROTOCOL_3) return refuse("08P01", "unsupported start-up request (protocol 3.0 only, no cancel requests)");
          startup = Buffer.from(packet);
          // AuthenticationCleartextPassword
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
          continue;
        }
        if (buffered.length < 5) return;
        if (buffered[0] !== 0x70) return refuse("08P01", "expected a password message");
        const length = buffered.readInt32BE(1);
        if (length < 5 || length > MAX_STARTUP_BYTES) return refuse("08P01", "invalid password message");
        if (buffered.length < 1 + length) return;
        const given = buffered.subarray(5, 1 + length).toString("utf8").replace(/\0$/, "");
        if (!timingSafeEqual(createHash("sha256").update(given).digest(), expected)) {
          return refuse("28P01", "password authentication failed: the embedded database's password is in the URL the Slotline server was given");
        }
        // The client waits for AuthenticationOk before sending more; anything it sent anyway follows.
        socket.pause();
        return finish(Buffer.concat([startup, buffered.subarray(1 + length)]));
      }
    };
    socket.on("data", onData);
    socket.on("error", onEnd);
    socket.on("close", onEnd);
  });
}

/** A FATAL ErrorResponse message. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, "utf8");
  const head = Buffer.alloc(5);
  head[0] = 0x45;
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
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
