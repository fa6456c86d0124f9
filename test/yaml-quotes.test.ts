/**
 * tools/yaml-quotes.ts: the quoted values kubectl reads to their closing quote and YAML 1.2 ends
 * early, re-indented so that the spec reads the same value.
 */
import * as assert from "assert";
import { parseAllDocuments } from "yaml";
import { firstUnclosedQuote, reindentQuotedValues } from "../tools/yaml-quotes";

/** The documents of `text` as values, and the syntax errors the parser reports. */
function parsed(text: string): { values: unknown[]; errors: string[] } {
    const docs = parseAllDocuments(text);
    return { values: docs.map(d => d.toJS()), errors: docs.flatMap(d => d.errors.map(e => e.code)) };
}

describe("reindentQuotedValues", () => {
    it("indents the under-indented lines of each such value past its line, which leaves the value as kubectl reads it", () => {
        const text = [
            "a:",
            "  single: 'one",
            "  two'",
            "  double: \"x \\\" y",
            "z\"",
            "  plain: ok",
        ].join("\n");
        assert.ok(parsed(text).errors.length > 0, "YAML 1.2 ends both values early");
        const { text: fixed, repairs } = reindentQuotedValues(text);
        assert.deepStrictEqual(repairs, [{ line: 2, from: 3, to: 3 }, { line: 4, from: 5, to: 5 }]);
        assert.deepStrictEqual(parsed(fixed), { values: [{ a: { single: "one two", double: "x \" y z", plain: "ok" } }], errors: [] });
        // Only lines were indented: the same lines, in the same order.
        assert.deepStrictEqual(fixed.split("\n").map(l => l.trim()), text.split("\n").map(l => l.trim()));
    });

    it("reads '' as a quote inside a single-quoted value, and a backslash escape inside a double-quoted one", () => {
        const text = "k: 'it''s\nfine'\nd: \"a\\\\\nb\"\n";
        const { text: fixed, repairs } = reindentQuotedValues(text);
        assert.deepStrictEqual(repairs.map(r => r.line), [1, 3]);
        assert.deepStrictEqual(parsed(fixed).values, [{ k: "it's fine", d: "a\\ b" }]);
    });

    it("leaves a value with no closing quote, or one closed only after the next document marker, as it is (an error, as for kubectl)", () => {
        for (const text of ["k: 'never\nclosed\n", "k: 'across\n---\nother: 'x'\n"]) {
            assert.deepStrictEqual(reindentQuotedValues(text), { text, repairs: [] });
        }
        // Text that parses is left alone.
        assert.deepStrictEqual(reindentQuotedValues("k: 'a\n   b'\n").repairs, []);
    });

    it("finds the opening quote of the first value the lexer cuts short, at or after an offset", () => {
        const text = "a: 'fine'\nb: 'cut\nc: x\n";
        assert.strictEqual(firstUnclosedQuote(text), text.indexOf("'cut"));
        assert.strictEqual(firstUnclosedQuote(text, text.indexOf("c:")), undefined);
        assert.strictEqual(firstUnclosedQuote("a: 'fine'\n"), undefined);
    });
});
