// The ASN.1 types Council's PER codec understands, as plain data built by
// notation.ts from module text. Values: BOOLEAN boolean, INTEGER number, ENUMERATED
// the item's name, NULL null, OCTET STRING Uint8Array, BIT STRING BitString,
// character strings string, OBJECT IDENTIFIER "0.0.8.2250.0.4", SEQUENCE an object
// (absent OPTIONAL components missing), SEQUENCE OF an array, CHOICE an object with
// one key naming the alternative.

/** A size or value range; `ext` when the constraint has an extension marker. */
export interface Range {
  lb?: number;
  ub?: number;
  ext?: boolean;
}

export interface Component {
  name: string;
  type: AsnType;
  optional?: boolean;
  /** The DEFAULT value, when the component has one (absent means that value). */
  default?: unknown;
}

export type AsnType =
  | { kind: "boolean" }
  | { kind: "null" }
  | { kind: "integer"; range?: Range }
  | { kind: "enumerated"; root: string[]; additions?: string[] }
  | { kind: "bitstring"; size?: Range }
  | { kind: "octetstring"; size?: Range }
  | {
    kind: "string";
    /** IA5String, BMPString, NumericString, PrintableString, VisibleString... */
    name: string;
    size?: Range;
    /** Permitted alphabet (FROM), in canonical (code point) order. */
    from?: string;
  }
  | { kind: "oid" }
  | {
    kind: "sequence";
    root: Component[];
    /** Extension additions; undefined when the type has no extension marker. */
    additions?: Component[];
  }
  | { kind: "sequenceof"; of: AsnType; size?: Range }
  | { kind: "choice"; root: Component[]; additions?: Component[] }
  /** TYPE-IDENTIFIER.&Type(X): X's encoding wrapped as an open type. */
  | { kind: "open"; of: AsnType }
  /** A named type, resolved on first use (modules refer forwards and recursively). */
  | { kind: "ref"; name: string; resolve: () => AsnType }
  /** A type Council does not model (imported from a module it does not carry). */
  | { kind: "opaque"; name: string };

export interface BitString {
  bits: number;
  data: Uint8Array;
}

/** An extension addition or alternative this codec does not know: kept as its bytes. */
export interface UnknownExtension {
  index: number;
  bytes: Uint8Array;
}
