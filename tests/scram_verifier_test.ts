// Tests for the client-side SCRAM-SHA-256 verifier: equal to the one PostgreSQL computes itself.
import assert from "node:assert/strict";
import { scramVerifier } from "../lib/security/scram_verifier.ts";
import { quoteIdent } from "./helpers/password_roles.ts";
import { connectTo, testPostgres } from "./helpers/services.ts";

Deno.test("scramVerifier equals PostgreSQL's verifier for the same salt", async (t) => {
  const sql = connectTo(await testPostgres());
  const role = `scram_probe_${crypto.randomUUID().slice(0, 8)}`;
  try {
    await sql.unsafe(`create role ${quoteIdent(role)} nologin`);
    const passwords = [
      ["ASCII with symbols", "correct horse $1 'quote' \"double\" ;--"],
      ["accented, already normalised", "pässwörd ü 日本"],
      ["SASLprep mappings", "\ufb01ligature\u00a0no-break\u200bzero-width"],
      ["fullwidth letters, normalised by NFKC", "\uff21bc"],
      // U+1F38C is unassigned in Unicode 3.2: SASLprep fails and the password is used as it is.
      ["a character unassigned in Unicode 3.2", "\uff21bc\u{1f38c}"],
      ["a prohibited control character in a non-ASCII password", "\uff21b\tc"],
      ["right-to-left text", "\u05d0\u05d1\u05d2 \u05d3"],
      ["right-to-left mixed with left-to-right", "\u05d0abc\u05d1"],
      ["right-to-left not at both ends", "\u05d0\u05d1 1"],
      ["only characters mapped to nothing", "\u00ad\u200b\ufeff"],
      ["compatibility characters", "\u2460\u00bd\u212b\u3392"],
    ];
    for (const [name, password] of passwords) {
      await t.step(name!, async () => {
        await sql`set password_encryption = 'scram-sha-256'`;
        await sql.unsafe(
          `alter role ${quoteIdent(role)} password '${password!.replaceAll("'", "''")}'`,
        );
        const [row] = await sql`select rolpassword from pg_authid where rolname = ${role}`;
        const stored = String(row?.rolpassword);
        const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored);
        assert.ok(match, stored);
        const salt = Uint8Array.from(atob(match[2]!), (char) => char.charCodeAt(0));
        assert.equal(
          await scramVerifier(password!, { salt, iterations: Number(match[1]) }),
          stored,
        );
      });
    }
    await t.step("a fresh salt each time", async () => {
      assert.notEqual(await scramVerifier("same"), await scramVerifier("same"));
    });
  } finally {
    await sql.unsafe(`drop role if exists ${quoteIdent(role)}`);
    await sql.end();
  }
});
