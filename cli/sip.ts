// `council sip password|credentials|registrations`: a guardian's SIP digest password,
// set from a file or stdin (never from the command line, where other users and the
// shell history would see it) and never shown again; which guardians have one; and
// the phones registered now.

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { setOrClearPassword } from "./_secret.ts";

const HELP = `council sip <command> [options]

  password USER (--password-file FILE | --password-stdin)
                                    set the SIP password of guardian USER (its name,
                                    the digest user name, or if://guardian/USER;
                                    8-128 characters; the first line of FILE or
                                    stdin); its phones' registrations end
  password USER --clear             remove it (its phones can no longer register or
                                    dial in by digest)
  credentials                       which guardians have a SIP password, and since
                                    when (never the password)
  registrations                     registered phones: guardian, contact, source,
                                    user agent, expiry

options:
  --password-file FILE   read the password from FILE
  --password-stdin       read the password from standard input
  --clear                remove the password
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server, 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  "password-file": { type: "string" },
  "password-stdin": { type: "boolean" },
  clear: { type: "boolean" },
} as const;

interface Credential {
  guardianId: string;
  realm: string;
  usable: boolean;
  setAt?: string;
}

interface Binding {
  guardianId: string;
  contact: string;
  expiresAt: number;
  source: { transport: string; address: string; port: number };
  userAgent?: string;
}

/** The SIP user name of a guardian given as `alice` or `if://guardian/alice`. */
function userName(given: string): string {
  const name = given.startsWith("if://guardian/") ? given.slice("if://guardian/".length) : given;
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    throw new UsageError(`'${given}' is not a guardian name (alice, or if://guardian/alice)`);
  }
  return name;
}

export const sipCommand: Command = operatorCommand({
  name: "sip",
  summary: "SIP passwords (digest) and registrations",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  switch (sub) {
    case "password": {
      if (rest.length !== 1) throw new UsageError("password takes one guardian name");
      const user = userName(rest[0]);
      const path = `/api/v1/sip/credentials/${encodeURIComponent(user)}`;
      return await setOrClearPassword(values, api, path, `if://guardian/${user}`);
    }
    case "credentials": {
      if (rest.length) throw new UsageError("credentials takes no arguments");
      const { credentials } = await api.request<{ credentials: Credential[] }>(
        "GET",
        "/api/v1/sip/credentials",
      );
      if (values.json) console.log(JSON.stringify(credentials));
      else if (credentials.length === 0) console.log("(no SIP passwords)");
      else {
        for (const c of credentials) {
          const since = c.setAt ? `  set ${c.setAt}` : "";
          const stale = c.usable ? "" : `  (set under realm ${c.realm}: set it again)`;
          console.log(`${c.guardianId}${since}${stale}`);
        }
      }
      return 0;
    }
    case "registrations": {
      if (rest.length) throw new UsageError("registrations takes no arguments");
      const { registrations } = await api.request<{ registrations: Binding[] }>(
        "GET",
        "/api/v1/sip/registrations",
      );
      if (values.json) console.log(JSON.stringify(registrations));
      else if (registrations.length === 0) console.log("(no registrations)");
      else {
        for (const b of registrations) {
          const s = b.source;
          console.log(
            `${b.guardianId}  ${b.contact}  from ${s.transport} ${s.address}:${s.port}  until ${
              new Date(b.expiresAt).toISOString()
            }${b.userAgent ? `  ${b.userAgent}` : ""}`,
          );
        }
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown sip command '${sub}'`);
  }
});
