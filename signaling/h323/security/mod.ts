// H.323 security beside the stack it guards: H.235.1 (passwords, procedure I),
// Council's RAS token (Ed25519), neighbour gatekeepers, and the proof of a RAS request.
export { H235_1_OIDS, h235Key, readHashedToken, signRas } from "./h235_1.ts";
export { COUNCIL_RAS_OID, councilRasToken, rasFields, rasSignedBytes } from "./council_token.ts";
export { checkPassword, H323Passwords, PasswordError } from "./passwords.ts";
export { type Neighbour, parseNeighbours } from "./neighbours.ts";
export { type ProofMethod, type Proven, RasAuthenticator } from "./ras_auth.ts";
