// Reads the subset of ASN.1 notation (ITU-T X.680) that the H.225.0, H.235 and
// H.245 modules use, and turns each type assignment into an AsnType for per.ts:
// SEQUENCE / SEQUENCE OF / SET OF / CHOICE with extension markers, INTEGER and
// SIZE constraints (with extension marks), permitted alphabets (FROM), ENUMERATED,
// the string types, parameterized types (SIGNED{...}) and TYPE-IDENTIFIER.&Type(X)
// open types. Table constraints, CONSTRAINED BY and WITH COMPONENTS do not change
// the PER encoding (X.691 10.3) and are skipped.

import type { AsnType, Component, Range } from "./types.ts";

export class NotationError extends Error {
  override name = "NotationError";
}

const STRING_TYPES = new Set([
  "IA5String",
  "BMPString",
  "NumericString",
  "PrintableString",
  "VisibleString",
  "GeneralString",
]);

type Token = string;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith("--", i)) {
      // A comment runs to the end of the line or to the next "--" (X.680 12.6.3).
      const nl = text.indexOf("\n", i + 2);
      const dd = text.indexOf("--", i + 2);
      const end = nl < 0 ? text.length : nl;
      i = dd >= 0 && dd < end ? dd + 2 : end;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new NotationError("unterminated string");
      out.push(text.slice(i, end + 1));
      i = end + 1;
    } else if (text.startsWith("::=", i)) {
      out.push("::=");
      i += 3;
    } else if (text.startsWith("...", i)) {
      out.push("...");
      i += 3;
    } else if (text.startsWith("..", i)) {
      out.push("..");
      i += 2;
    } else if (text.startsWith("[[", i) || text.startsWith("]]", i)) {
      out.push(text.slice(i, i + 2));
      i += 2;
    } else if (c === "-" && /\d/.test(text[i + 1] ?? "")) {
      const m = /^-\d+/.exec(text.slice(i, i + 40))!;
      out.push(m[0]);
      i += m[0].length;
    } else if ("{}(),|.![]^;:<>@".includes(c)) {
      out.push(c);
      i++;
    } else {
      const m = /^&?[A-Za-z0-9][A-Za-z0-9-]*/.exec(text.slice(i, i + 200));
      if (!m) throw new NotationError(`unexpected character ${JSON.stringify(c)}`);
      // A hyphen never ends an identifier (X.680 12.2).
      out.push(m[0].replace(/-+$/, ""));
      i += m[0].replace(/-+$/, "").length;
    }
  }
  return out;
}

interface Assignment {
  params?: string[];
  body: Token[];
}

export interface Module {
  /** The named type; throws NotationError for a name the module does not define. */
  type(name: string): AsnType;
  readonly names: string[];
}

export interface ModuleOptions {
  /** Types from other modules, by name. */
  imports?: Record<string, AsnType>;
  /** Imported names Council does not model: decoded as raw bytes inside open types. */
  opaque?: string[];
}

/** Compiles module text (one or several modules' assignments) into types. */
export function compileModule(text: string, opts: ModuleOptions = {}): Module {
  const tokens = tokenize(text);
  const assignments = new Map<string, Assignment>();
  // Skip a module header "Name DEFINITIONS ... ::= BEGIN" and IMPORTS/EXPORTS.
  let i = 0;
  const begin = tokens.indexOf("BEGIN");
  if (begin >= 0) i = begin + 1;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t === "END") break;
    if (t === "IMPORTS" || t === "EXPORTS") {
      while (i < tokens.length && tokens[i] !== ";") i++;
      i++;
      continue;
    }
    const name = t;
    let j = i + 1;
    let params: string[] | undefined;
    if (tokens[j] === "{") {
      params = [];
      j++;
      while (tokens[j] !== "}") {
        if (tokens[j] !== ",") params.push(tokens[j]);
        j++;
      }
      j++;
    }
    if (tokens[j] !== "::=") {
      throw new NotationError(`expected ::= after ${name}, found ${tokens[j]}`);
    }
    // The body runs to the token before the next "Name ::=" or "Name{..} ::=".
    let k = j + 1;
    let depth = 0;
    for (; k < tokens.length; k++) {
      const x = tokens[k];
      if (x === "{" || x === "(") depth++;
      else if (x === "}" || x === ")") depth--;
      else if (depth === 0 && k > j + 1 && (x === "END" || isAssignmentStart(tokens, k))) break;
    }
    assignments.set(name, { params, body: tokens.slice(j + 1, k) });
    i = k;
  }

  const resolved = new Map<string, AsnType>();
  const refs = new Map<string, AsnType>();
  const opaque = new Set(opts.opaque ?? []);

  const named = (name: string): AsnType => {
    let r = refs.get(name);
    if (r) return r;
    r = {
      kind: "ref",
      name,
      resolve: () => {
        let t = resolved.get(name);
        if (t) return t;
        const imported = opts.imports?.[name];
        if (imported) t = imported;
        else if (opaque.has(name)) t = { kind: "opaque", name };
        else {
          const a = assignments.get(name);
          if (!a) throw new NotationError(`type ${name} is not defined`);
          if (a.params) throw new NotationError(`${name} needs parameters`);
          t = new Parser(a.body, named, assignments, new Map()).typeAll(name);
        }
        resolved.set(name, t);
        return t;
      },
    };
    refs.set(name, r);
    return r;
  };

  return {
    type(name: string): AsnType {
      const r = named(name);
      if (r.kind === "ref") r.resolve(); // fail now for unknown names
      return r;
    },
    names: [...assignments.keys()].filter((n) => !assignments.get(n)!.params),
  };
}

function isAssignmentStart(tokens: Token[], k: number): boolean {
  if (!/^[A-Z]/.test(tokens[k])) return false;
  if (tokens[k + 1] === "::=") return true;
  if (tokens[k + 1] !== "{") return false;
  // Name{Param, ...} ::=
  let m = k + 2;
  while (m < tokens.length && tokens[m] !== "}" && m < k + 20) m++;
  return tokens[m + 1] === "::=";
}

class Parser {
  #i = 0;
  constructor(
    private readonly t: Token[],
    private readonly named: (name: string) => AsnType,
    private readonly assignments: Map<string, Assignment>,
    private readonly bindings: Map<string, AsnType>,
  ) {}

  typeAll(name: string): AsnType {
    const type = this.type();
    if (this.#i < this.t.length) {
      throw new NotationError(`${name}: unexpected ${this.t[this.#i]} after the type`);
    }
    return type;
  }

  #peek(o = 0): Token | undefined {
    return this.t[this.#i + o];
  }

  #next(): Token {
    const x = this.t[this.#i++];
    if (x === undefined) throw new NotationError("unexpected end of type");
    return x;
  }

  #expect(x: Token): void {
    const got = this.#next();
    if (got !== x) throw new NotationError(`expected ${x}, found ${got}`);
  }

  type(): AsnType {
    let t = this.#base();
    // Constraints: any number of parenthesized groups after the type.
    while (this.#peek() === "(") t = this.#constrain(t);
    return t;
  }

  #base(): AsnType {
    const x = this.#next();
    switch (x) {
      case "BOOLEAN":
        return { kind: "boolean" };
      case "NULL":
        return { kind: "null" };
      case "INTEGER":
        if (this.#peek() === "{") this.#skipBraces(); // named numbers do not change PER
        return { kind: "integer" };
      case "ENUMERATED":
        return this.#enumerated();
      case "BIT":
        this.#expect("STRING");
        if (this.#peek() === "{") this.#skipBraces(); // named bits
        return { kind: "bitstring" };
      case "OCTET":
        this.#expect("STRING");
        return { kind: "octetstring" };
      case "OBJECT":
        this.#expect("IDENTIFIER");
        return { kind: "oid" };
      case "SEQUENCE":
      case "SET":
        return this.#sequenceLike(x);
      case "CHOICE": {
        const { root, additions } = this.#components(false);
        return { kind: "choice", root, additions };
      }
      case "TYPE-IDENTIFIER": {
        this.#expect(".");
        this.#expect("&Type");
        this.#expect("(");
        const of = this.type();
        this.#expect(")");
        return { kind: "open", of };
      }
    }
    if (STRING_TYPES.has(x)) return { kind: "string", name: x };
    if (!/^[A-Z]/.test(x)) throw new NotationError(`expected a type, found ${x}`);
    const bound = this.bindings.get(x);
    if (bound) return bound;
    if (this.#peek() === "{") return this.#instantiate(x);
    return this.named(x);
  }

  #sequenceLike(kw: string): AsnType {
    // SEQUENCE (SIZE ..) OF T | SEQUENCE SIZE (..) OF T | SEQUENCE OF T | SEQUENCE { ... }
    let size: Range | undefined;
    if (this.#peek() === "(") {
      this.#next();
      this.#expect("SIZE");
      size = this.#range();
      this.#expect(")");
    } else if (this.#peek() === "SIZE") {
      this.#next();
      size = this.#range();
    }
    if (this.#peek() === "OF") {
      this.#next();
      // An element may be named: SEQUENCE OF name Type.
      if (/^[a-z]/.test(this.#peek() ?? "") && this.#peek(1) !== "(") this.#next();
      return { kind: "sequenceof", of: this.type(), size };
    }
    if (kw === "SET") throw new NotationError("SET is not supported (PER orders it by tag)");
    const { root, additions } = this.#components(true);
    return { kind: "sequence", root, additions };
  }

  #components(sequence: boolean): { root: Component[]; additions?: Component[] } {
    this.#expect("{");
    const root: Component[] = [];
    let additions: Component[] | undefined;
    let section = 0; // 0 root, 1 additions, 2 root again after the second marker
    while (this.#peek() !== "}") {
      const x = this.#peek();
      if (x === ",") {
        this.#next();
        continue;
      }
      if (x === "...") {
        this.#next();
        if (this.#peek() === "!") this.#skipException();
        section++;
        if (section === 1) additions = [];
        continue;
      }
      if (x === "[[") {
        // An extension addition group: one addition, a SEQUENCE of its members (X.691 19.9).
        this.#next();
        if (/^\d+$/.test(this.#peek() ?? "") && this.#peek(1) === ":") {
          this.#next();
          this.#next();
        }
        const members: Component[] = [];
        while (this.#peek() !== "]]") {
          if (this.#peek() === ",") {
            this.#next();
            continue;
          }
          members.push(this.#component(sequence));
        }
        this.#next();
        additions!.push({
          name: `$group${additions!.length}`,
          type: { kind: "sequence", root: members },
          optional: true,
        });
        continue;
      }
      const c = this.#component(sequence);
      if (section === 1) additions!.push(c);
      else root.push(c);
    }
    this.#next();
    return { root, additions };
  }

  #component(sequence: boolean): Component {
    const name = this.#next();
    if (!/^[a-z]/.test(name)) throw new NotationError(`expected a component name, found ${name}`);
    const type = this.type();
    const c: Component = { name, type };
    if (sequence && this.#peek() === "OPTIONAL") {
      this.#next();
      c.optional = true;
    } else if (sequence && this.#peek() === "DEFAULT") {
      this.#next();
      c.default = this.#value();
    }
    return c;
  }

  #value(): unknown {
    const x = this.#next();
    if (x === "{") {
      let depth = 1;
      while (depth > 0) {
        const y = this.#next();
        if (y === "{") depth++;
        else if (y === "}") depth--;
      }
      return "{}";
    }
    if (x === "TRUE") return true;
    if (x === "FALSE") return false;
    if (/^-?\d+$/.test(x)) return Number(x);
    return x;
  }

  #enumerated(): AsnType {
    this.#expect("{");
    const root: string[] = [];
    let additions: string[] | undefined;
    const items: { name: string; value?: number; ext: boolean }[] = [];
    while (this.#peek() !== "}") {
      const x = this.#next();
      if (x === ",") continue;
      if (x === "...") {
        additions = [];
        continue;
      }
      let value: number | undefined;
      if (this.#peek() === "(") {
        this.#next();
        value = Number(this.#next());
        this.#expect(")");
      }
      items.push({ name: x, value, ext: additions !== undefined });
    }
    this.#next();
    // Root items are indexed in order of their values (X.691 14.1); additions in order.
    const rootItems = items.filter((x) => !x.ext);
    rootItems.sort((a, b) => (a.value ?? 0) - (b.value ?? 0));
    if (rootItems.some((x) => x.value === undefined)) {
      rootItems.length = 0;
      rootItems.push(...items.filter((x) => !x.ext));
    }
    root.push(...rootItems.map((x) => x.name));
    if (additions) additions.push(...items.filter((x) => x.ext).map((x) => x.name));
    return { kind: "enumerated", root, additions };
  }

  #constrain(t: AsnType): AsnType {
    this.#expect("(");
    const x = this.#peek();
    if (x === "CONSTRAINED" || x === "WITH") {
      this.#skipParens();
      return t;
    }
    let out: AsnType | undefined = this.#constraintElement(t);
    // An intersection, (SIZE (1) ^ FROM ("0123456789#*ABCD!")), applies both.
    while (out && this.#peek() === "^") {
      this.#next();
      out = this.#constraintElement(out);
    }
    if (!out) {
      // Anything else (table constraints, single values) does not affect PER here.
      this.#skipParens();
      return t;
    }
    this.#expect(")");
    return out;
  }

  /** SIZE (..), FROM (..) or a value range; undefined for what PER ignores. */
  #constraintElement(t: AsnType): AsnType | undefined {
    const x = this.#peek();
    if (x === "SIZE") {
      this.#next();
      return withSize(t, this.#range());
    }
    if (x === "FROM") {
      this.#next();
      this.#expect("(");
      let from = "";
      while (this.#peek() !== ")") {
        const s = this.#next();
        if (s === "|") continue;
        if (!s.startsWith('"')) throw new NotationError(`unsupported FROM element ${s}`);
        from += s.slice(1, -1);
      }
      this.#next();
      return t.kind === "string" ? { ...t, from: [...new Set(from)].sort().join("") } : t;
    }
    if (x !== undefined && (/^-?\d+$/.test(x) || x === "MIN")) {
      const range = this.#rangeBody();
      return t.kind === "integer" ? { ...t, range } : t;
    }
    return undefined;
  }

  /** "(" lb..ub [, ...] ")" or a single value, after SIZE. */
  #range(): Range {
    this.#expect("(");
    const r = this.#rangeBody();
    this.#expect(")");
    return r;
  }

  #rangeBody(): Range {
    const bound = (s: string) => (s === "MIN" || s === "MAX" ? undefined : Number(s));
    const lo = this.#next();
    let r: Range;
    if (this.#peek() === "..") {
      this.#next();
      r = { lb: bound(lo), ub: bound(this.#next()) };
    } else r = { lb: bound(lo), ub: bound(lo) };
    if (this.#peek() === ",") {
      this.#next();
      this.#expect("...");
      r.ext = true;
    }
    return r;
  }

  #instantiate(name: string): AsnType {
    const a = this.assignments.get(name);
    if (!a?.params) throw new NotationError(`${name} is not a parameterized type`);
    this.#expect("{");
    const args: AsnType[] = [];
    while (this.#peek() !== "}") {
      if (this.#peek() === ",") {
        this.#next();
        continue;
      }
      args.push(this.type());
    }
    this.#next();
    const bindings = new Map(this.bindings);
    a.params.forEach((p, i) => bindings.set(p, args[i]));
    return new Parser(a.body, this.named, this.assignments, bindings).typeAll(name);
  }

  #skipBraces(): void {
    this.#expect("{");
    let depth = 1;
    while (depth > 0) {
      const y = this.#next();
      if (y === "{") depth++;
      else if (y === "}") depth--;
    }
  }

  #skipParens(): void {
    let depth = 1;
    while (depth > 0) {
      const y = this.#next();
      if (y === "(") depth++;
      else if (y === ")") depth--;
    }
  }

  #skipException(): void {
    this.#next(); // "!"
    this.#next(); // the exception value
  }
}

function withSize(t: AsnType, size: Range): AsnType {
  switch (t.kind) {
    case "octetstring":
    case "bitstring":
    case "string":
      return { ...t, size };
    case "sequenceof":
      return { ...t, size };
    case "ref":
      return withSize(t.resolve(), size);
    default:
      throw new NotationError(`SIZE does not apply to ${t.kind}`);
  }
}
