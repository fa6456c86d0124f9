/**
 * Kubernetes resource quantities, parsed the way apimachinery's `resource.ParseQuantity` reads them:
 * a signed decimal number followed by a binary-SI suffix (Ki … Ei), a decimal-SI suffix (m, k, M, G,
 * T, P, E) or a decimal exponent (e3, E-2). YAML numbers (cpu: 1, cpu: 0.5) are quantities too.
 *
 * The pack and the program share this parser so that what the program accepts in config and what
 * the policies accept in manifests never disagree.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

// number, then either an exponent (tried first, so "1E3" is 1000 and not "1 exa" followed by junk)
// or one of the SI suffixes.
const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E))?$/;

/** The value of a quantity in base units (cores for CPU, bytes for memory and storage), or undefined if it is not one. */
export function parseQuantity(value: unknown): number | undefined {
    if (typeof value === "number") {
        return Number.isFinite(value) ? value : undefined;
    }
    if (typeof value !== "string") {
        return undefined;
    }
    const m = QUANTITY.exec(value);
    if (!m) {
        return undefined;
    }
    const base = Number(m[1]);
    if (m[2] !== undefined) {
        return base * 10 ** Number(m[2].slice(1));
    }
    const suffix = m[3] ?? "";
    return base * (BINARY[suffix] ?? DECIMAL[suffix]);
}

/** True when `value` is a quantity Kubernetes accepts. */
export function isQuantity(value: unknown): boolean {
    return parseQuantity(value) !== undefined;
}

/** Human-readable byte count for messages: 536870912 → "512Mi". */
export function formatBytes(bytes: number): string {
    for (const [suffix, factor] of Object.entries(BINARY).reverse()) {
        if (bytes >= factor && Number.isInteger(bytes / factor)) {
            return `${bytes / factor}${suffix}`;
        }
    }
    return `${bytes}`;
}
