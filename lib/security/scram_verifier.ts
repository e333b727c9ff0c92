// Owns turning a password into a PostgreSQL SCRAM-SHA-256 verifier on the client, so the clear text
// never reaches the server, its statement log or pg_stat_activity (as psql's \password does).
/**
 * @example A verifier in the form `ALTER ROLE ... PASSWORD` stores as is
 * ```ts
 * import assert from "node:assert/strict";
 * import { scramVerifier } from "./scram_verifier.ts";
 * const verifier = await scramVerifier("correct horse");
 * assert.match(verifier, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
 * ```
 */

import { saslprep } from "./saslprep.ts";

/** Options of {@link scramVerifier}. */
export interface ScramOptions {
  /** PBKDF2 iterations; default 4096 (PostgreSQL's scram_iterations default). */
  iterations?: number;
  /** 16 random bytes by default; fixed only to reproduce a verifier. */
  salt?: Uint8Array;
}

/**
 * Computes `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (RFC 5802, RFC 7677) as
 * PostgreSQL does, after preparing the password with SASLprep exactly as PostgreSQL and libpq do
 * (see {@link saslprep}), so that psql and other libpq clients log in with the same text.
 *
 * @param password The clear-text password.
 * @returns The verifier; PostgreSQL recognises the format and stores it without hashing again.
 */
export async function scramVerifier(password: string, options: ScramOptions = {}): Promise<string> {
  const iterations = options.iterations ?? 4096;
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(saslprep(password)),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const salted = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
      key,
      256,
    ),
  );
  const clientKey = await hmac(salted, "Client Key");
  const storedKey = new Uint8Array(
    await crypto.subtle.digest("SHA-256", clientKey as BufferSource),
  );
  const serverKey = await hmac(salted, "Server Key");
  return `SCRAM-SHA-256$${iterations}:${base64(salt)}$${base64(storedKey)}:${base64(serverKey)}`;
}

/**
 * True when a stored verifier (`pg_authid.rolpassword`) accepts the password: the same keys come
 * out of the password with the verifier's salt and iteration count.
 */
export async function verifierAccepts(verifier: string, password: string): Promise<boolean> {
  const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$/.exec(verifier);
  if (!match) return false;
  const salt = Uint8Array.from(atob(match[2]!), (char) => char.charCodeAt(0));
  return await scramVerifier(password, { salt, iterations: Number(match[1]) }) === verifier;
}

async function hmac(key: Uint8Array, text: string): Promise<Uint8Array> {
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    key as BufferSource,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(text)));
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}
