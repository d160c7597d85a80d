// `council guardian keygen|add|list|show|suspend|activate|revoke|remove`.

import {
  type Admit,
  type CallType,
  type Codec,
  generateGuardianKey,
  type Guardian,
  signAdmissionRequest,
} from "../guard/mod.ts";
import { fromBase64 } from "../witness/mod.ts";
import { ApiError, OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorApi } from "./_api.ts";
import { type Command, parseSubcommand, UsageError } from "./_command.ts";

const HELP = `council guardian <command> [options]

  keygen [--out FILE]               new Ed25519 key pair as JSON {publicKey, secretKey}
                                    (base64); with --out, written with mode 0600
  add ID --name NAME --role ROLE --key PUBLIC_KEY [--bandwidth KBPS]
                                    register a guardian (ID is if://guardian/<name>)
  list                              every guardian
  show ID                           one guardian
  suspend ID | activate ID          suspend (ends its sessions) or reactivate
  revoke ID                         revoke for good (ends its sessions)
  remove ID                         delete the record
  admit ID --key-file FILE --room ROOM [--call-type T] [--bandwidth KBPS]
        [--codecs opus,PCMU] [--pii]
                                    sign an admission request with the key file
                                    (from keygen --out) and ask the server

options:
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server, 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  out: { type: "string" },
  name: { type: "string" },
  role: { type: "string" },
  key: { type: "string" },
  bandwidth: { type: "string" },
  "key-file": { type: "string" },
  room: { type: "string" },
  "call-type": { type: "string" },
  codecs: { type: "string" },
  pii: { type: "boolean" },
} as const;

export const guardianCommand: Command = {
  name: "guardian",
  summary: "manage the guardian registry (keys, add, list, suspend, revoke)",
  help: HELP,
  async run(args): Promise<number> {
    const parsed = parseSubcommand(args, FLAGS, HELP);
    if (typeof parsed === "number") return parsed;
    const { values, sub, rest } = parsed;
    const one = () => {
      if (rest.length !== 1) throw new UsageError(`${sub} takes one guardian ID`);
      return rest[0];
    };
    const api = () => operatorApi(values);
    const path = (id: string) => `/api/v1/guardians/${encodeURIComponent(id)}`;
    const show = (g: Guardian) =>
      console.log(
        values.json
          ? JSON.stringify(g)
          : `${g.id}  ${g.status}  ${g.role}  ${g.bandwidthKbps} kbps  "${g.displayName}"`,
      );
    try {
      switch (sub) {
        case "keygen": {
          if (rest.length) throw new UsageError("keygen takes no arguments");
          const pair = await generateGuardianKey();
          const text = JSON.stringify(pair);
          if (values.out) {
            await Deno.writeTextFile(values.out, text + "\n", { mode: 0o600, createNew: true });
            console.log(
              values.json
                ? JSON.stringify({ publicKey: pair.publicKey, file: values.out })
                : pair.publicKey,
            );
          } else {
            console.log(text);
          }
          return 0;
        }
        case "add": {
          const id = one();
          if (!values.name || !values.role || !values.key) {
            throw new UsageError("add needs --name, --role and --key");
          }
          const bandwidth = values.bandwidth === undefined ? 512 : Number(values.bandwidth);
          if (!Number.isInteger(bandwidth)) {
            throw new UsageError("--bandwidth must be an integer (kbps)");
          }
          show(
            await api().request<Guardian>("POST", "/api/v1/guardians", {
              id,
              displayName: values.name,
              role: values.role,
              publicKey: values.key,
              bandwidthKbps: bandwidth,
            }),
          );
          return 0;
        }
        case "list": {
          const { guardians } = await api().request<{ guardians: Guardian[] }>(
            "GET",
            "/api/v1/guardians",
          );
          if (values.json) console.log(JSON.stringify(guardians));
          else for (const g of guardians) show(g);
          return 0;
        }
        case "show":
          show(await api().request<Guardian>("GET", path(one())));
          return 0;
        case "suspend":
        case "activate":
        case "revoke": {
          const status = { suspend: "suspended", activate: "active", revoke: "revoked" }[sub];
          show(await api().request<Guardian>("PATCH", path(one()), { status }));
          return 0;
        }
        case "remove":
          await api().request("DELETE", path(one()));
          return 0;
        case "admit": {
          const id = one();
          if (!values["key-file"] || !values.room) {
            throw new UsageError("admit needs --key-file and --room");
          }
          let secret: Uint8Array | undefined;
          try {
            secret = fromBase64(
              JSON.parse(await Deno.readTextFile(values["key-file"])).secretKey ?? "",
            );
          } catch (err) {
            throw new UsageError(`--key-file: ${(err as Error).message}`);
          }
          if (!secret || secret.length !== 32) {
            throw new UsageError("--key-file: no 32-byte secretKey in it");
          }
          const request = await signAdmissionRequest({
            guardianId: id,
            room: values.room,
            callType: (values["call-type"] ?? "ROUTINE") as CallType,
            bandwidthKbps: values.bandwidth === undefined ? 64 : Number(values.bandwidth),
            codecs: (values.codecs ?? "opus,PCMU").split(",") as Codec[],
            pii: values.pii ?? false,
          }, secret);
          const decision = await api().request<Admit>("POST", "/api/v1/admission", request);
          console.log(
            values.json
              ? JSON.stringify(decision)
              : `admitted: session ${decision.sessionId}, ${decision.codec}, ${decision.bandwidthKbps} kbps, media ${decision.media.host}:${decision.media.port}`,
          );
          return 0;
        }
        default:
          throw new UsageError(`unknown guardian command '${sub}'`);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        console.error(`council guardian: ${err.message}`);
        return 1;
      }
      if (err instanceof Deno.errors.AlreadyExists) {
        console.error(`council guardian: ${values.out} already exists; not overwriting a key`);
        return 1;
      }
      throw err;
    }
  },
};
