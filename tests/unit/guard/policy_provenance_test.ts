// The policy's provenance option (docs/provenance.md, "Browsers"): what a broken
// member chain does besides the alert.

import assert from "node:assert/strict";
import { DEFAULT_POLICY, parsePolicy, PolicyError } from "../../../guard/policy.ts";

Deno.test("provenance.onBreak: alert by default, mute when asked, anything else refused", () => {
  assert.equal(DEFAULT_POLICY.provenance.onBreak, "alert");
  assert.equal(parsePolicy({ version: "p1" }).provenance.onBreak, "alert");
  assert.equal(
    parsePolicy({ version: "p1", provenance: { onBreak: "mute" } }).provenance.onBreak,
    "mute",
  );
  assert.throws(
    () => parsePolicy({ version: "p1", provenance: { onBreak: "kick" } }),
    (e) =>
      e instanceof PolicyError && /provenance\.onBreak: expected "alert" or "mute"/.test(e.message),
  );
  assert.throws(
    () => parsePolicy({ version: "p1", provenance: { onBreak: "alert", other: 1 } }),
    (e) => e instanceof PolicyError && /provenance/.test(e.message),
  );
});
