/**
 * The quantity parser follows Kubernetes' grammar (apimachinery resource.Quantity).
 */
import * as assert from "assert";
import { formatBytes, isQuantity, parseQuantity } from "../policy/lib/quantity";

describe("Kubernetes quantities", () => {
    const cases: [unknown, number][] = [
        ["100m", 0.1], ["0.5", 0.5], [".5", 0.5], ["5.", 5], ["+1", 1], ["-1", -1], ["1e3", 1000], ["1E-2", 0.01],
        ["1k", 1e3], ["1M", 1e6], ["500M", 5e8], ["1G", 1e9], ["1T", 1e12], ["1P", 1e15], ["1E", 1e18],
        ["1Ki", 1024], ["128Mi", 128 * 2 ** 20], ["2Gi", 2 ** 31], ["1Ti", 2 ** 40], ["1Pi", 2 ** 50], ["1Ei", 2 ** 60],
        [2, 2], [0.25, 0.25],
    ];
    for (const [text, value] of cases) {
        it(`parses ${JSON.stringify(text)}`, () => {
            const parsed = parseQuantity(text);
            assert.ok(parsed !== undefined && Math.abs(parsed - value) <= Math.abs(value) * 1e-12, `${String(text)} → ${parsed}`);
        });
    }

    it("rejects what the API server rejects", () => {
        for (const bad of ["500MB", "1Kb", "1 Mi", "Mi", "", "1.5.2", "abc", "1e", "0x10", "1mi", " 1", null, undefined, {}, NaN]) {
            assert.strictEqual(isQuantity(bad), false, JSON.stringify(bad));
        }
    });

    it("formats bytes with the largest exact binary suffix", () => {
        assert.strictEqual(formatBytes(512 * 2 ** 20), "512Mi");
        assert.strictEqual(formatBytes(2 ** 31), "2Gi");
        assert.strictEqual(formatBytes(5e8), "500000000");
    });
});
