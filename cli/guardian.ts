// `council guardian keygen|add|list|show|set|quota|suspend|activate|revoke|remove|admit`.

import {
  type Admit,
  CALL_TYPES,
  type CallType,
  type Codec,
  generateGuardianKey,
  type Guardian,
  REJECT_REASONS,
  signAdmissionRequest,
} from "../guard/mod.ts";
import { ApiError, OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorApi } from "./_api.ts";
import { type Command, parseSubcommand, UsageError } from "./_command.ts";
import { guardianId } from "./_ids.ts";
import { type KeyFile, readKeyFile } from "./_keyfile.ts";
import { output } from "./_output.ts";

/**
 * The quota `add` gives without --bandwidth, and the one the docs show: a browser
 * that joins with video asks for 1500 kbps (web/src/client.ts), audio alone 64; a
 * phone or terminal leg at the same time 64-100 more. 512 refused "Send video".
 */
export const DEFAULT_QUOTA_KBPS = 2048;

const HELP = `council guardian <command> [options]

  keygen [--out FILE]               new Ed25519 key pair as JSON {publicKey, secretKey}
                                    (base64); with --out, written with mode 0600 and
                                    the public key printed
  add ID --name NAME --role ROLE (--key PUBLIC_KEY | --key-file FILE)
        [--bandwidth KBPS]          register a guardian; --key-file reads the public
                                    key from keygen's file; quota default ${DEFAULT_QUOTA_KBPS} kbps
                                    (a browser with video asks 1500)
  list                              every guardian
  show ID                           one guardian
  set ID [--name NAME] [--role ROLE] [--bandwidth KBPS]
        [--key PUBLIC_KEY | --key-file FILE]
                                    change any of these (witnessed)
  quota ID KBPS                     change the bandwidth quota (same as set --bandwidth)
  suspend ID                        suspend (ends its sessions)
  activate ID | reactivate ID       make a suspended guardian active again
  revoke ID                         revoke for good (ends its sessions)
  remove ID                         delete the record
  admit ID --key-file FILE --room ROOM [--call-type T] [--bandwidth KBPS]
        [--codecs opus,PCMU] [--pii]
                                    sign an admission request with the key file
                                    (from keygen --out) and ask the server

ID is if://guardian/<name>, or just <name>.

options:
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server, 2 usage error or unusable key file`;

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

function kbps(raw: string, flag = "--bandwidth"): number {
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(`${flag} must be a whole number of kbps, at least 1 (got '${raw}')`);
  }
  return Number(raw);
}

/** A public key from --key or --key-file (not both). */
async function publicKeyFrom(values: { key?: string; "key-file"?: string }) {
  if (values.key !== undefined && values["key-file"] !== undefined) {
    throw new UsageError("give --key or --key-file, not both");
  }
  if (values["key-file"] !== undefined) {
    return (await readKeyFile(values["key-file"], "public")).publicKey;
  }
  return values.key;
}

export const guardianCommand: Command = {
  name: "guardian",
  summary: "manage the guardian registry (keys, add, edit, quota, suspend, revoke)",
  help: HELP,
  async run(args): Promise<number> {
    const parsed = parseSubcommand(args, FLAGS, HELP);
    if (typeof parsed === "number") return parsed;
    const { values, sub, rest } = parsed;
    const one = () => {
      if (rest.length !== 1) throw new UsageError(`${sub} takes one guardian ID`);
      return guardianId(rest[0]);
    };
    const api = () => operatorApi(values);
    const path = (id: string) => `/api/v1/guardians/${encodeURIComponent(id)}`;
    const show = (g: Guardian) =>
      console.log(
        values.json
          ? JSON.stringify(g)
          : `${g.id}  ${g.status}  ${g.role}  ${g.bandwidthKbps} kbps  "${g.displayName}"`,
      );
    const change = async (id: string, body: Record<string, unknown>) =>
      show(await api().request<Guardian>("PATCH", path(id), body));
    let keyFile: KeyFile | undefined;
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
          const publicKey = await publicKeyFrom(values);
          if (!values.name || !values.role || !publicKey) {
            throw new UsageError("add needs --name, --role and --key (or --key-file)");
          }
          show(
            await api().request<Guardian>("POST", "/api/v1/guardians", {
              id,
              displayName: values.name,
              role: values.role,
              publicKey,
              bandwidthKbps: values.bandwidth === undefined
                ? DEFAULT_QUOTA_KBPS
                : kbps(values.bandwidth),
            }),
          );
          return 0;
        }
        case "list": {
          if (rest.length) throw new UsageError("list takes no arguments");
          const { guardians } = await api().request<{ guardians: Guardian[] }>(
            "GET",
            "/api/v1/guardians",
          );
          if (values.json) console.log(JSON.stringify(guardians));
          else if (guardians.length === 0) console.log("(no guardians)");
          else for (const g of guardians) show(g);
          return 0;
        }
        case "show":
          show(await api().request<Guardian>("GET", path(one())));
          return 0;
        case "set": {
          const id = one();
          const publicKey = await publicKeyFrom(values);
          const body = {
            ...(values.name !== undefined ? { displayName: values.name } : {}),
            ...(values.role !== undefined ? { role: values.role } : {}),
            ...(values.bandwidth !== undefined ? { bandwidthKbps: kbps(values.bandwidth) } : {}),
            ...(publicKey !== undefined ? { publicKey } : {}),
          };
          if (Object.keys(body).length === 0) {
            throw new UsageError(
              "set needs at least one of --name, --role, --bandwidth, --key, --key-file",
            );
          }
          await change(id, body);
          return 0;
        }
        case "quota": {
          if (rest.length !== 2) throw new UsageError("quota takes a guardian ID and KBPS");
          await change(guardianId(rest[0]), { bandwidthKbps: kbps(rest[1], "KBPS") });
          return 0;
        }
        case "suspend":
        case "activate":
        case "reactivate":
        case "revoke": {
          const status = {
            suspend: "suspended",
            activate: "active",
            reactivate: "active",
            revoke: "revoked",
          }[sub];
          await change(one(), { status });
          return 0;
        }
        case "remove": {
          const id = one();
          await api().request("DELETE", path(id));
          output(values.json, { removed: id }, () => `removed ${id}`);
          return 0;
        }
        case "admit": {
          const id = one();
          if (!values["key-file"] || !values.room) {
            throw new UsageError("admit needs --key-file and --room");
          }
          const callType = values["call-type"] ?? "ROUTINE";
          if (!(CALL_TYPES as readonly string[]).includes(callType)) {
            throw new UsageError(`--call-type must be one of ${CALL_TYPES.join(", ")}`);
          }
          keyFile = await readKeyFile(values["key-file"], "secret");
          const request = await signAdmissionRequest({
            guardianId: id,
            room: values.room,
            callType: callType as CallType,
            bandwidthKbps: values.bandwidth === undefined ? 64 : kbps(values.bandwidth),
            codecs: (values.codecs ?? "opus,PCMU").split(",") as Codec[],
            pii: values.pii ?? false,
          }, keyFile.secretKey!);
          let decision: Admit;
          try {
            decision = await api().request<Admit>("POST", "/api/v1/admission", request);
          } catch (err) {
            if (
              !(err instanceof ApiError) ||
              !(REJECT_REASONS as readonly string[]).includes(err.code)
            ) {
              throw err;
            }
            // Guard's reason with its explanation: "422 BANDWIDTH_EXCEEDED: 1500 kbps exceeds ...".
            const said = err.message.replace(/^(\d{3}) /, `$1 ${err.code}: `);
            throw new ApiError(
              err.status,
              err.code,
              err.code === "INVALID_SIGNATURE" ? await whoseKey(said, id, keyFile, api) : said,
            );
          }
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

/**
 * INVALID_SIGNATURE, said plainly: the server cannot tell whose key signed, but the
 * CLI knows the key file's public key and can read the registered one.
 */
async function whoseKey(
  base: string,
  id: string,
  file: KeyFile,
  api: () => ReturnType<typeof operatorApi>,
): Promise<string> {
  let registered: Guardian | undefined;
  try {
    registered = await api().request<Guardian>(
      "GET",
      `/api/v1/guardians/${encodeURIComponent(id)}`,
    );
  } catch {
    return `${base} (the key in ${file.path} is ${file.publicKey})`;
  }
  if (registered.publicKey === file.publicKey) return base;
  return `${base}: the key in ${file.path} (public key ${file.publicKey}) is not ${id}'s ` +
    `registered key (${registered.publicKey}); sign with ${id}'s own key file, or register ` +
    `this one with: council guardian set ${id} --key-file ${file.path}`;
}
