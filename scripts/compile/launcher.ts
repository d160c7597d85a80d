// The front of a single-file build: a POSIX sh script followed by a gzipped tar of
// the staged tree. On first run it checks the payload's SHA-256, unpacks it once
// into the cache (atomically, so concurrent first runs are safe) and from then on
// execs the bundled Deno on the bundled `council` CLI. Why sh and not
// `deno compile`: see docs/RUNBOOK.md ("Single-file build").

/** Width of the offset field, so the header's length does not depend on its value. */
const OFFSET_WIDTH = 12;

export interface LauncherInput {
  readonly version: string;
  /** Hex SHA-256 of the payload. */
  readonly sha256: string;
}

function header(input: LauncherInput, offset: string): string {
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) throw new Error("sha256 must be 64 hex digits");
  if (!/^[0-9A-Za-z.+-]+$/.test(input.version)) throw new Error(`bad version ${input.version}`);
  const id = `${input.version}-${input.sha256.slice(0, 16)}`;
  return `#!/bin/sh
# Council ${input.version}: a single-file build. It unpacks once into
# \${COUNCIL_CACHE_DIR:-\${XDG_CACHE_HOME:-$HOME/.cache}/council}/dist-${id}
# and runs the council command from there: "council --help", "council serve".
set -eu
offset=${offset}
sum=${input.sha256}
die() { echo "council: $*" >&2; exit 1; }
base="\${COUNCIL_CACHE_DIR:-\${XDG_CACHE_HOME:-\${HOME:?set HOME or COUNCIL_CACHE_DIR}/.cache}/council}"
root="$base/dist-${id}"
self="$0"
# "sh council" passes a bare name: the file here, else the one on PATH.
case "$self" in */*) ;; *) if [ -f "$self" ]; then self="./$self"; else self="$(command -v -- "$self")"; fi ;; esac
if [ ! -f "$root/.complete" ]; then
  for tool in tail tar gzip sha256sum mktemp; do
    command -v "$tool" >/dev/null 2>&1 || die "unpacking this build needs '$tool'"
  done
  got="$(tail -c +$((offset + 1)) -- "$self" | sha256sum | cut -d' ' -f1)"
  [ "$got" = "$sum" ] || die "$self is damaged (payload checksum $got, expected $sum); copy it again"
  mkdir -p "$base" || die "cannot create $base"
  tmp="$(mktemp -d "$base/.unpack.XXXXXX")" || die "cannot create a folder in $base"
  if ! tail -c +$((offset + 1)) -- "$self" | tar -xzf - -C "$tmp"; then
    rm -rf "$tmp"
    die "unpacking into $base failed (disk full?)"
  fi
  : >"$tmp/.complete"
  # A concurrent first run may have won; its copy is the same.
  mv -T "$tmp" "$root" 2>/dev/null || rm -rf "$tmp"
  # Other builds unpacked here go unless a process runs from them (each is about
  # 160 MiB, and a build unpacks itself again when it is next run).
  for old in "$base"/dist-*; do
    if [ "$old" = "$root" ] || [ ! -d "$old" ]; then continue; fi
    busy=
    for exe in /proc/[0-9]*/exe; do
      case "$(readlink "$exe" 2>/dev/null)" in "$old"/*) busy=1; break ;; esac
    done
    [ -n "$busy" ] || rm -rf "$old" 2>/dev/null || :
  done
fi
export COUNCIL_DIST="$root"
export LD_LIBRARY_PATH="$root/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export MEDIASOUP_WORKER_BIN="\${MEDIASOUP_WORKER_BIN:-$root/bin/mediasoup-worker}"
export DENO_DIR="$root/deno-cache"
export DENO_NO_UPDATE_CHECK=1
export DENO_NO_PROMPT=1
exec "$root/bin/deno" run -A --cached-only --config "$root/app/deno.json" "$root/app/cli/main.ts" "$@"
`;
}

/** The launcher script; the payload starts right after its last byte. */
export function launcher(input: LauncherInput): string {
  const probe = header(input, "0".padEnd(OFFSET_WIDTH));
  const length = new TextEncoder().encode(probe).length;
  const text = header(input, String(length).padEnd(OFFSET_WIDTH));
  if (new TextEncoder().encode(text).length !== length) throw new Error("launcher length moved");
  return text;
}
