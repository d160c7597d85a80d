// Guardian ids as people type them: `alice` is `if://guardian/alice` (the API
// wants the URI; the name alone is what SIP users and H.323 aliases use).

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** `alice` -> `if://guardian/alice`; anything else is passed on for the server to judge. */
export function guardianId(given: string): string {
  return NAME_RE.test(given) ? `if://guardian/${given}` : given;
}
