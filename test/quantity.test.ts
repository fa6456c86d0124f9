/**
 * The quantity parser follows Kubernetes' grammar and arithmetic (apimachinery resource.Quantity):
 * exact values in nano-units, Kubernetes' rounding, and the same rejections as the API server.
 */
import * as assert from "assert";
import { compareQuantities, formatBytes, isQuantity, parseQuantity, quantityNanos } from "../policy/lib/quantity";

const NANO = 10n ** 9n;
const units = (n: bigint) => n * NANO;

describe("Kubernetes quantities", () => {
    describe("accepts the grammar, with exact values", () => {
        const cases: [unknown, bigint][] = [
            // plain numbers, signs and the four number forms
            ["1", units(1n)], ["0", 0n], ["-0", 0n], ["00.0", 0n], ["+1", units(1n)], ["-1", -units(1n)],
            ["0.5", 500_000_000n], [".5", 500_000_000n], ["5.", units(5n)], ["-.5", -500_000_000n], ["+5.", units(5n)], ["100.035k", units(100_035n)],
            // every decimal SI suffix
            ["5n", 5n], ["4u", 4_000n], ["100m", 100_000_000n], ["8k", units(8_000n)], ["500M", units(500_000_000n)], ["1G", units(10n ** 9n)],
            ["5T", units(5n * 10n ** 12n)], ["2P", units(2n * 10n ** 15n)], ["1E", units(10n ** 18n)], ["2.5P", units(25n * 10n ** 14n)],
            // every binary SI suffix
            ["1Ki", units(1024n)], ["128Mi", units(128n * 2n ** 20n)], ["6Gi", units(6n * 2n ** 30n)], ["5Ti", units(5n * 2n ** 40n)],
            ["4Pi", units(4n * 2n ** 50n)], ["3Ei", units(3n * 2n ** 60n)], ["0.5Mi", units(2n ** 19n)], ["100.035Ki", 102_435_840_000_000n],
            // decimal exponents: e or E, signed, on any number form; "1E" alone is exa, not an exponent
            ["1e3", units(1000n)], ["1E-2", 10_000_000n], ["1e+3", units(1000n)], ["1.5e3", units(1500n)], [".5e1", units(5n)], ["5.e2", units(500n)], ["1E6", units(10n ** 6n)], ["0.5e-1", 50_000_000n],
            // what "things written by trolls" parse to in apimachinery
            ["1.G", units(10n ** 9n)], [".001", 1_000_000n], ["0.0001k", 100_000_000n],
            // YAML/JSON numbers
            [2, units(2n)], [0.25, 250_000_000n], [-1, -units(1n)], [1e21, units(10n ** 21n)], [5e-7, 500n],
        ];
        for (const [input, nanos] of cases) {
            it(`${JSON.stringify(input)} = ${nanos}n`, () => {
                assert.strictEqual(quantityNanos(input), nanos);
                assert.strictEqual(isQuantity(input), true);
            });
        }
    });

    it("rounds sub-nano amounts up, away from zero, as Kubernetes does (a request never rounds to 0)", () => {
        assert.strictEqual(quantityNanos("3.001n"), 4n);
        assert.strictEqual(quantityNanos("0.1n"), 1n);
        assert.strictEqual(quantityNanos("-0.1n"), -1n);
        assert.strictEqual(quantityNanos("1.1E-9"), 2n);
        assert.strictEqual(quantityNanos("0.00000012345"), 124n);
        assert.strictEqual(quantityNanos("0.000000000001Ki"), 2n);
        assert.strictEqual(quantityNanos("1e-2147483647"), 1n, "the smallest exponent still rounds up to 1n");
    });

    it("caps binary amounts at 2^63-1 as Kubernetes does, and keeps huge decimal ones", () => {
        const cap = (2n ** 63n - 1n) * NANO;
        assert.strictEqual(quantityNanos("9Ei"), cap);
        assert.strictEqual(quantityNanos("9223372036854775807Ki"), cap);
        assert.strictEqual(quantityNanos("12E"), units(12n * 10n ** 18n));
        assert.strictEqual(isQuantity("1e2147483647"), true, "the largest int32 exponent is valid");
        assert.strictEqual(parseQuantity("1e2147483647"), Infinity);
    });

    it("rejects what the API server rejects", () => {
        const bad: unknown[] = [
            "", "500MB", "1Kb", "1KB", "1K", "1ki", "1mi", "0.1mi", "1 Mi", " 1", "1 ", "1Mi ", "1.5.2", "1.1.M", "1+1.0M", "abc", "aoeu", "0x10",
            "1e", "1e-", "-3.01e-", "1e1.5", "1ee3", "1i", ".5i", "0.1am", "1e4294967297", "1E2147483648", "--1", "+-1", "1,5", "1_000",
            null, undefined, {}, [], ["1"], true, NaN, Infinity, -Infinity,
        ];
        for (const input of bad) {
            assert.strictEqual(quantityNanos(input), undefined, JSON.stringify(input) ?? String(input));
            assert.strictEqual(isQuantity(input), false, JSON.stringify(input) ?? String(input));
            assert.strictEqual(parseQuantity(input), undefined, JSON.stringify(input) ?? String(input));
        }
    });

    it("rejects numbers without any digit, which apimachinery's scanner would read as 0", () => {
        for (const input of ["Mi", "Gi", "k", "m", ".", "-", "+", "-.", "e3", "E"]) {
            assert.strictEqual(isQuantity(input), false, input);
        }
    });

    it("parses to base units (cores, bytes) as numbers", () => {
        assert.strictEqual(parseQuantity("100m"), 0.1);
        assert.strictEqual(parseQuantity("700m"), 0.7);
        assert.strictEqual(parseQuantity("1500m"), 1.5);
        assert.strictEqual(parseQuantity("128Mi"), 134_217_728);
        assert.strictEqual(parseQuantity("500M"), 5e8);
        assert.strictEqual(parseQuantity("2Gi"), 2 ** 31);
        assert.strictEqual(parseQuantity("1e3"), 1000);
        assert.strictEqual(parseQuantity(".5"), 0.5);
        assert.strictEqual(parseQuantity("-1.5"), -1.5);
        assert.strictEqual(parseQuantity(4), 4);
    });

    it("compares quantities exactly, across suffixes", () => {
        assert.strictEqual(compareQuantities("1Gi", "1G"), 1);
        assert.strictEqual(compareQuantities("1G", "1Gi"), -1);
        assert.strictEqual(compareQuantities("0.5", "500m"), 0);
        assert.strictEqual(compareQuantities(0.5, "500m"), 0);
        assert.strictEqual(compareQuantities("1e3", "1k"), 0);
        assert.strictEqual(compareQuantities("1Ki", "1024"), 0);
        assert.strictEqual(compareQuantities("300m", "0.3"), 0, "no floating-point drift: 3 × 100m is exactly 0.3");
        assert.strictEqual(compareQuantities("1000000001n", "1"), 1);
        assert.strictEqual(compareQuantities("-1", "0"), -1);
        assert.strictEqual(compareQuantities("500MB", "1G"), undefined);
        assert.strictEqual(compareQuantities("1G", undefined), undefined);
    });

    it("formats bytes with the largest exact binary suffix", () => {
        assert.strictEqual(formatBytes(512 * 2 ** 20), "512Mi");
        assert.strictEqual(formatBytes(2 ** 31), "2Gi");
        assert.strictEqual(formatBytes(1536), "1536");
        assert.strictEqual(formatBytes(1024), "1Ki");
        assert.strictEqual(formatBytes(5e8), "500000000");
    });
});
