/**
 * YAML as kubectl reads it. kubectl (through sigs.k8s.io/yaml, a fork of go-yaml v2) resolves
 * plain scalars by YAML 1.1's rules, not YAML 1.2's: `yes`, `no`, `on`, `off`, `y` and `n` (in
 * their three spellings) are booleans, and an integer is whatever Go's strconv.ParseInt reads
 * with base 0 once its underscores are dropped, so `0644` is octal 420, as are `0o644`, and
 * `0x1F`, `0X1F`, `0b101` are numbers too. It supports merge keys (`<<: *defaults`). It does not
 * read base-60 numbers (`12:30` stays a string) and keeps timestamps as strings. The `yaml`
 * package's YAML 1.1 schema differs from that only where this module says so (source read:
 * kubernetes-sigs/yaml, goyaml.v2/resolve.go and decode.go).
 *
 * So `labels: {enabled: yes}` is a boolean label kubectl refuses, and `defaultMode: 0644` is 420,
 * not 644: `npm run check` reads manifests with {@link KUBECTL_READ}. And a string the plan writes
 * that YAML 1.1 would read as something else (`"yes"`, `"0644"`) is quoted ({@link KUBECTL_WRITE}).
 */
import type { DocumentOptions, ParseOptions, SchemaOptions, ToStringOptions } from "yaml";

type Tags = Parameters<Extract<NonNullable<SchemaOptions["customTags"]>, (tags: never) => unknown>>[0];
type Tag = Exclude<Tags[number], string>;

/** Tags of the `yaml` package's YAML 1.1 schema that go-yaml v2 doesn't apply to a plain scalar. */
const NOT_KUBECTLS = new Set([
    "tag:yaml.org,2002:timestamp", // kept as a string (decode.go, "for backward compatibility")
    "tag:yaml.org,2002:binary", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:set", // no JSON value
]);

/**
 * The number go-yaml v2 reads from a plain scalar that starts with a digit, a sign or a dot, or
 * undefined where it reads a string (resolve.go): after a dot, a decimal fraction; otherwise,
 * with every `_` dropped, what Go's strconv.ParseInt reads with base 0 (`0x`/`0X` hex, `0o`/`0O`
 * or a leading `0` octal, `0b`/`0B` binary, decimal), else a float of YAML's style
 * (`1.5`, `1.`, `.5`, `1e3`). So `0644` is 420, `08` is 8, `0_` is 0, and `.`, `0x_`, `1.2.3` are strings.
 */
export function goYamlNumber(source: string): number | undefined {
    if (source.startsWith(".")) {
        return /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/.test(source) ? Number(source) : undefined;
    }
    const plain = source.replace(/_/g, "");
    const prefixed = /^([-+]?)0(?:([xX])([0-9a-fA-F]+)|([oO])([0-7]+)|([bB])([01]+)|([0-7]*))$/.exec(plain);
    if (prefixed) {
        const [, sign, x, hex, o, oct, b, bin, leadingZero] = prefixed;
        const value = x ? parseInt(hex, 16) : o ? parseInt(oct, 8) : b ? parseInt(bin, 2) : leadingZero ? parseInt(leadingZero, 8) : 0;
        return sign === "-" ? -value : value;
    }
    if (/^[-+]?[1-9][0-9]*$/.test(plain) || /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(plain)) {
        return Number(plain);
    }
    return undefined;
}

/** A plain scalar as go-yaml v2 reads it where it may be a number: that number, or the string itself. */
const goResolve = (source: string): number | string => goYamlNumber(source) ?? source;

/** Plain scalars that start with a digit, a sign or a dot, read as go-yaml v2 reads them ({@link goYamlNumber}). */
const goNumber = {
    identify: () => false, // for reading only
    default: true,
    tag: "tag:yaml.org,2002:float",
    test: /^[-+0-9.]/,
    resolve: goResolve,
};

/** Integers with a prefix Go reads and the `yaml` package's YAML 1.1 schema doesn't (0o/0O octal, 0X hex, 0B binary): strings the plan writes quote them. */
const goPrefixedInt = {
    identify: () => false, // for deciding what to quote only: numbers are written in decimal
    default: true,
    tag: "tag:yaml.org,2002:int",
    test: /^[-+]?0(?:[oO][0-7_]*[0-7][0-7_]*|X[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*|B[01_]*[01][01_]*)$/,
    resolve: goResolve,
};

/** Whether a tag of the YAML 1.1 schema reads numbers other than `.inf` and `.nan` (which go-yaml reads the same way). */
function readsNumbers(t: Tag): boolean {
    return (t.tag === "tag:yaml.org,2002:int" || t.tag === "tag:yaml.org,2002:float") && !("test" in t && t.test instanceof RegExp && t.test.test(".inf"));
}

/** The YAML 1.1 schema as go-yaml v2 applies it: its booleans, nulls and merge keys; its own numbers; no base-60 numbers, timestamps or collection tags. */
function kubectlTags(tags: Tags): Tags {
    const kept = tags.filter((t): t is Tag => typeof t !== "string" && !readsNumbers(t) && !NOT_KUBECTLS.has(t.tag));
    return [...kept, goNumber];
}

/** Options to parse (or compose) Kubernetes YAML as kubectl does. */
export const KUBECTL_READ: ParseOptions & DocumentOptions & SchemaOptions = { version: "1.1", customTags: kubectlTags };

/**
 * Options to write YAML that kubectl reads back as the same values: a string that YAML 1.1 or
 * Go's integers would read as something else (`"yes"`, `"0644"`, `"0o644"`) is quoted, and so,
 * for other YAML 1.1 readers, are strings that look like base-60 numbers or timestamps.
 */
export const KUBECTL_WRITE: DocumentOptions & SchemaOptions & ToStringOptions = { version: "1.1", customTags: tags => [...tags, goPrefixedInt], lineWidth: 0 };
