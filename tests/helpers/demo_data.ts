// Owns what the embedded default's demo store publishes, for the tests that run it end to end.

/**
 * Rows of `anime_list` after the first `deno task etl` of the embedded default: the snapshot's
 * 199,200 valid rows, then the demo's three daily deltas, inserted − removed of each
 * (tests/demo_next_day_test.ts holds each delta's counts to the generator's ledger).
 */
export const DEMO_LIST_ROWS = 199_200 + (675 - 83) + (696 - 95) + (699 - 87);
