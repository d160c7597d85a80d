// `council h323 password|passwords|registrations|upstream`: a guardian's H.323 (H.235.1)
// password, set from a file or stdin (never from the command line, where other
// users and the shell history would see it) and never shown again; and the
// gatekeeper's registrations with how each was proven; Council's own registration
// with an upstream gatekeeper.

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { setOrClearPassword } from "./_secret.ts";
import type { UpstreamStatus } from "../signaling/h323/ras/upstream.ts";

const HELP = `council h323 <command> [options]

  password ID (--password-file FILE | --password-stdin)
                                    set guardian ID's H.323 password (H.235.1, 8-128
                                    characters; the first line of FILE or stdin)
  password ID --clear               remove it (its terminals can no longer register)
  passwords                         which guardians have one, and since when
  registrations                     registered terminals: guardian, aliases,
                                    addresses, proof (h235.1 | council-token)
  upstream                          Council's own registration with the gatekeeper
                                    in h323.upstream: state, aliases, why not

options:
  --password-file FILE   read the password from FILE
  --password-stdin       read the password from standard input
  --clear                remove the password
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server (upstream: Council is not registered),
2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  "password-file": { type: "string" },
  "password-stdin": { type: "boolean" },
  clear: { type: "boolean" },
} as const;

interface Registration {
  guardianId: string;
  aliases: string[];
  callSignal: string[];
  ras: string;
  proof: string;
  expiresAt: string;
}

export const h323Command: Command = operatorCommand({
  name: "h323",
  summary: "H.323 passwords (H.235.1) and registrations",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  switch (sub) {
    case "password": {
      if (rest.length !== 1) throw new UsageError("password takes one guardian ID");
      const path = `/api/v1/h323/passwords/${encodeURIComponent(rest[0])}`;
      return await setOrClearPassword(values, api, path, rest[0]);
    }
    case "passwords": {
      if (rest.length) throw new UsageError("passwords takes no arguments");
      const { passwords } = await api.request<{
        passwords: { guardianId: string; setAt: string }[];
      }>("GET", "/api/v1/h323/passwords");
      if (values.json) console.log(JSON.stringify(passwords));
      else if (passwords.length === 0) console.log("(no H.323 passwords)");
      else for (const p of passwords) console.log(`${p.guardianId}  set ${p.setAt}`);
      return 0;
    }
    case "registrations": {
      if (rest.length) throw new UsageError("registrations takes no arguments");
      const { registrations } = await api.request<{ registrations: Registration[] }>(
        "GET",
        "/api/v1/h323/registrations",
      );
      if (values.json) console.log(JSON.stringify(registrations));
      else if (registrations.length === 0) console.log("(no registrations)");
      else {
        for (const r of registrations) {
          console.log(
            `${r.guardianId}  ${r.proof}  ${r.aliases.join(",")}  call ${
              r.callSignal.join(",")
            }  ras ${r.ras}  until ${r.expiresAt}`,
          );
        }
      }
      return 0;
    }
    case "upstream": {
      if (rest.length) throw new UsageError("upstream takes no arguments");
      const u = await api.request<UpstreamStatus>("GET", "/api/v1/h323/upstream");
      if (values.json) console.log(JSON.stringify(u));
      else if (u.state === "off") console.log("no upstream gatekeeper (h323.upstream is empty)");
      else {
        console.log(`${u.state}  ${u.gatekeeper}${u.gatekeeperId ? ` (${u.gatekeeperId})` : ""}`);
        if (u.aliases.length) console.log(`aliases  ${u.aliases.join(", ")}`);
        if (u.timeToLive) console.log(`time to live  ${u.timeToLive} s`);
        if (u.registeredAt) console.log(`registered since  ${u.registeredAt}`);
        if (u.why) console.log(`last failure  ${u.why}`);
      }
      return u.state === "registered" || u.state === "off" ? 0 : 1;
    }
    default:
      throw new UsageError(`unknown h323 command '${sub}'`);
  }
});
