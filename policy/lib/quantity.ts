/**
 * Kubernetes resource quantities, parsed the way apimachinery's `resource.ParseQuantity` reads them:
 *
 *     <quantity>        ::= <signedNumber><suffix>
 *     <signedNumber>    ::= <sign><number> | <number>          <sign> ::= "+" | "-"
 *     <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
 *     <suffix>          ::= <binarySI> | <decimalSI> | <decimalExponent>
 *     <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
 *     <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
 *     <decimalExponent> ::= "e" <sign>?<digits> | "E" <sign>?<digits>     (within ±(2^31-1))
 *
 * YAML/JSON numbers (cpu: 1, cpu: 0.5) are quantities too: they reach the API server as those digits.
 * Values are kept exactly, in nano-units (10^-9), with Kubernetes' own rounding: a non-zero amount
 * finer than 1n rounds up, away from zero (0.1n → 1n), and binary-suffixed amounts are capped at
 * 2^63-1. So `1Gi` > `1G`, `0.5` = `500m`, `1e3` = `1k` compare exactly.
 *
 * Deliberate difference from apimachinery's scanner: it reads a number without any digit as 0
 * (`Mi`, `.`, `-`, `+`), which is never meant; this parser rejects those, as the documented
 * grammar above does. Surrounding whitespace is rejected, as by `ParseQuantity` itself (the API
 * server's JSON decoder trims it first, but no manifest needs it).
 *
 * The pack and the program share this parser so that what the program accepts in config and what
 * the policies accept in manifests never disagree.
 */

const BINARY_POWER: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?[0-9]+))?$/;

const INT32_MAX = 2 ** 31 - 1;
/** Largest binary-suffixed amount Kubernetes keeps (2^63-1), in nano-units. */
const BINARY_CAP_NANOS = (2n ** 63n - 1n) * 10n ** 9n;
/**
 * Beyond 10^1000 nano-units the exact value is not worth its memory (`1e2147483647` is a valid
 * quantity): larger powers of ten are clamped, which keeps every comparison below that exact.
 */
const MAX_POWER = 1000;

/** Splits a quantity into sign, digits and suffix, or undefined when it is not one. */
function scan(text: string): { negative: boolean; digits: string; fractionDigits: number; binary?: bigint; decimal: number } | undefined {
    const m = QUANTITY.exec(text);
    if (!m) {
        return undefined;
    }
    const [, sign, whole, fraction = "", binary, decimal, exponent] = m;
    if (whole === "" && fraction === "") {
        return undefined; // no digits at all: "Mi", ".", "-"
    }
    let power = 0;
    if (exponent !== undefined) {
        power = Number(exponent);
        if (!Number.isSafeInteger(power) || Math.abs(power) > INT32_MAX) {
            return undefined; // apimachinery rejects exponents outside int32
        }
    } else if (decimal !== undefined) {
        power = DECIMAL_EXPONENT[decimal];
    }
    return {
        negative: sign === "-",
        digits: `${whole}${fraction}`,
        fractionDigits: fraction.length,
        binary: binary !== undefined ? BINARY_POWER[binary] : undefined,
        decimal: power,
    };
}

/**
 * The exact value of a quantity in nano-units (10^-9 of a core, of a byte), rounded as Kubernetes
 * rounds it, or undefined if `value` is not a quantity.
 */
export function quantityNanos(value: unknown): bigint | undefined {
    let text: string;
    if (typeof value === "number") {
        if (!Number.isFinite(value)) {
            return undefined;
        }
        text = String(value); // shortest round-trip form: 0.5, 1e+21, 5e-7 are all quantities
    } else if (typeof value === "string") {
        text = value;
    } else {
        return undefined;
    }
    const q = scan(text);
    if (!q) {
        return undefined;
    }
    let mantissa = BigInt(q.digits);
    if (mantissa === 0n) {
        return 0n;
    }
    if (q.binary !== undefined) {
        mantissa <<= q.binary;
    }
    // value = mantissa × 10^(decimal + 9 - fractionDigits) nano-units
    let power = q.decimal + 9 - q.fractionDigits;
    let nanos: bigint;
    if (power >= 0) {
        power = Math.min(power, MAX_POWER);
        nanos = mantissa * 10n ** BigInt(power);
    } else {
        // A divisor larger than the mantissa makes the quotient < 1, which rounds up to 1 either way.
        const divisor = 10n ** BigInt(Math.min(-power, mantissa.toString().length + 1));
        nanos = (mantissa + divisor - 1n) / divisor; // round up: Kubernetes never rounds a request to 0
    }
    if (q.binary !== undefined && nanos > BINARY_CAP_NANOS) {
        nanos = BINARY_CAP_NANOS;
    }
    return q.negative ? -nanos : nanos;
}

/** The value of a quantity in base units (cores for CPU, bytes for memory and storage), or undefined if it is not one. */
export function parseQuantity(value: unknown): number | undefined {
    const nanos = quantityNanos(value);
    if (nanos === undefined) {
        return undefined;
    }
    // Whole units first keeps large byte counts exact (2^63-1 bytes has more digits than a double).
    const whole = nanos / 1_000_000_000n;
    const rest = nanos % 1_000_000_000n;
    return Number(whole) + Number(rest) / 1e9;
}

/** True when `value` is a quantity Kubernetes accepts. */
export function isQuantity(value: unknown): boolean {
    return quantityNanos(value) !== undefined;
}

/** Compares two quantities exactly: negative when a < b, 0 when equal, positive when a > b; undefined if either is not a quantity. */
export function compareQuantities(a: unknown, b: unknown): number | undefined {
    const x = quantityNanos(a);
    const y = quantityNanos(b);
    if (x === undefined || y === undefined) {
        return undefined;
    }
    return x < y ? -1 : x > y ? 1 : 0;
}

const BINARY: [string, number][] = [["Ei", 2 ** 60], ["Pi", 2 ** 50], ["Ti", 2 ** 40], ["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 2 ** 10]];

/** Human-readable byte count for messages: 536870912 → "512Mi". */
export function formatBytes(bytes: number): string {
    for (const [suffix, factor] of BINARY) {
        if (bytes >= factor && Number.isInteger(bytes / factor)) {
            return `${bytes / factor}${suffix}`;
        }
    }
    return `${bytes}`;
}
