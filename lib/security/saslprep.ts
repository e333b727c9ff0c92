// Owns SASLprep (RFC 4013) exactly as PostgreSQL applies it to SCRAM passwords (src/common/saslprep.c).
/**
 * @example The text PostgreSQL hashes for a password
 * ```ts
 * import assert from "node:assert/strict";
 * import { saslprep } from "./saslprep.ts";
 * assert.equal(saslprep("Ａbc"), "Abc"); // fullwidth letters are normalised (NFKC)
 * assert.equal(saslprep("Ａbc🎌"), "Ａbc🎌"); // U+1F38C is unassigned in Unicode 3.2: used as is
 * ```
 */
import {
  L_CAT,
  MAPPED_TO_NOTHING,
  NON_ASCII_SPACE,
  PROHIBITED_OUTPUT,
  RAND_AL_CAT,
  UNASSIGNED,
} from "./saslprep_tables.ts";

/** A sorted table of inclusive code point ranges. */
type Ranges = Uint32Array;

function parseRanges(text: string): Ranges {
  const bounds = text.trim().split(/\s+/).flatMap((item) => {
    const [first, last = first] = item.split("-");
    return [parseInt(first!, 16), parseInt(last!, 16)];
  });
  return Uint32Array.from(bounds);
}

const nonAsciiSpace = parseRanges(NON_ASCII_SPACE);
const mappedToNothing = parseRanges(MAPPED_TO_NOTHING);
const prohibitedOutput = parseRanges(PROHIBITED_OUTPUT);
const unassigned = parseRanges(UNASSIGNED);
const randALCat = parseRanges(RAND_AL_CAT);
const lCat = parseRanges(L_CAT);

function inTable(code: number, table: Ranges): boolean {
  let low = 0;
  let high = table.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (code < table[middle * 2]!) high = middle - 1;
    else if (code > table[middle * 2 + 1]!) low = middle + 1;
    else return true;
  }
  return false;
}

/**
 * The text PostgreSQL derives a SCRAM key from: an ASCII password as it is; otherwise RFC 4013's
 * mapping (non-ASCII spaces to a space, "commonly mapped to nothing" removed) and NFKC, unless the
 * mapped text is empty, holds a prohibited or (in Unicode 3.2) unassigned code point, or breaks the
 * bidirectional rules; then, like PostgreSQL and libpq, the password is used unchanged.
 *
 * @param password The clear-text password.
 * @returns The prepared password (equal to `password` when SASLprep does not apply).
 */
export function saslprep(password: string): string {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  // A lone surrogate is not valid UTF-8; PostgreSQL then keeps the bytes as they are.
  if (!password.isWellFormed()) return password;
  const mapped: number[] = [];
  for (const char of password) {
    const code = char.codePointAt(0)!;
    if (inTable(code, nonAsciiSpace)) mapped.push(0x20);
    else if (!inTable(code, mappedToNothing)) mapped.push(code);
  }
  if (mapped.length === 0) return password;
  // PostgreSQL checks the mapped text, before normalisation; so does this, to derive the same key.
  if (mapped.some((code) => inTable(code, prohibitedOutput) || inTable(code, unassigned))) {
    return password;
  }
  if (mapped.some((code) => inTable(code, randALCat))) {
    const first = mapped[0]!;
    const last = mapped[mapped.length - 1]!;
    if (
      mapped.some((code) => inTable(code, lCat)) || !inTable(first, randALCat) ||
      !inTable(last, randALCat)
    ) {
      return password;
    }
  }
  return mapped.map((code) => String.fromCodePoint(code)).join("").normalize("NFKC");
}
