import * as ed from "@noble/ed25519";
import {
  type AdmissionRequest,
  signAdmissionRequest,
  type UnsignedRequest,
} from "../../../guard/mod.ts";
import { toBase64 } from "../../../witness/mod.ts";
import { testApp } from "../../_helpers/app.ts";

export interface TestGuardian {
  id: string;
  secret: Uint8Array;
  sign(over?: Partial<UnsignedRequest>): Promise<AdmissionRequest>;
}

export async function guardianWithKey(
  t: Awaited<ReturnType<typeof testApp>>,
  name: string,
  bandwidthKbps = 512,
): Promise<TestGuardian> {
  const secret = ed.utils.randomSecretKey();
  const id = `if://guardian/${name}`;
  await t.registry.add({
    id,
    displayName: name,
    role: "member",
    publicKey: toBase64(await ed.getPublicKeyAsync(secret)),
    bandwidthKbps,
  });
  return {
    id,
    secret,
    sign: (over = {}) =>
      signAdmissionRequest({
        guardianId: id,
        room: "council-main",
        callType: "ROUTINE",
        bandwidthKbps: 64,
        codecs: ["opus", "PCMU"],
        pii: false,
        ...over,
      }, secret),
  };
}
