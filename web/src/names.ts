// Guardian and room names as Council accepts them (guard's ROOM_RE and GUARDIAN_ID_RE):
// a lower-case letter or digit, then up to 63 of those, ".", "_" or "-".
//
// NAME_PATTERN goes into the join form's `pattern` attributes. Browsers compile a
// `pattern` with the RegExp `v` flag, where a "-" that is not a range must be
// escaped even last in a class: `[a-z0-9._-]` is a syntax error there, the
// attribute is ignored, and a bad name got as far as the microphone prompt.

export const NAME_PATTERN = "[a-z0-9][a-z0-9._\\-]{0,63}";

/** What the form would accept: the pattern, anchored, compiled as browsers do. */
export const NAME_RE = new RegExp(`^(?:${NAME_PATTERN})$`, "v");

/** Why `value` is not a valid `what` name (a sentence), or undefined when it is. */
export function nameProblem(what: "room" | "guardian", value: string): string | undefined {
  if (value === "") return `Enter a ${what} name.`;
  if (NAME_RE.test(value)) return undefined;
  if (value.length > 64) return `A ${what} name has at most 64 characters.`;
  return `A ${what} name is lower-case letters, digits, ".", "_" or "-", ` +
    "starting with a letter or digit.";
}
