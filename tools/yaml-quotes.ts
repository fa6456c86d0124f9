/**
 * Quoted values that kubectl reads and YAML 1.2 does not. A single- or double-quoted value may
 * span several lines; YAML 1.2 ends it at the first line indented no further than the block it
 * belongs to (so `key: '[` … `]'` with the closing line at the key's column is unclosed), and the
 * `yaml` package follows the spec. libyaml, whose Go port reads YAML for kubectl and the API
 * server's clients, checks no indentation inside a quoted value: it reads on to the closing quote.
 * Manifests people apply have such values (multi-line JSON annotations, most often), so `check`
 * reads them as kubectl does, and says so.
 *
 * Leading white space on a quoted value's continuation lines is not part of the value (line
 * folding drops it), so indenting those lines past the key changes nothing in the value: the
 * text with them re-indented parses, under the spec, to what kubectl reads from the original.
 */
import { CST, Lexer } from "yaml";

/** A quoted value whose continuation lines were re-indented: 1-based lines. */
export interface QuotedValueRepair {
    /** The line its opening quote is on. */
    line: number;
    /** The first and last re-indented lines. */
    from: number;
    to: number;
}

/** Where the quote at `open` closes in `text`, as libyaml finds it; undefined if a document marker or the end comes first. */
function closingQuote(text: string, open: number): number | undefined {
    const quote = text[open];
    for (let i = open + 1; i < text.length; i++) {
        const c = text[i];
        if (c === "\n" && /^(?:---|\.\.\.)(?:[ \t\r\n]|$)/.test(text.slice(i + 1, i + 5))) {
            return undefined; // libyaml: "found unexpected document indicator"
        }
        if (quote === "'" && c === "'") {
            if (text[i + 1] === "'") {
                i++; // '' is a quote inside the value
                continue;
            }
            return i;
        }
        if (quote === '"') {
            if (c === "\\") {
                i++; // an escape: the next character is part of it
                continue;
            }
            if (c === '"') {
                return i;
            }
        }
    }
    return undefined;
}

/** The tokens the lexer emits that are no part of the text: document, flow-end and scalar markers (yaml's CST.DOCUMENT, FLOW_END, SCALAR). */
const CONTROL_TOKENS = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/** The first quoted scalar at or after `from` that the lexer cuts short (its token has no closing quote): the offset of its opening quote. */
export function firstUnclosedQuote(text: string, from = 0): number | undefined {
    let offset = 0;
    for (const token of new Lexer().lex(text)) {
        if (CONTROL_TOKENS.has(token)) {
            continue; // the lexer's markers, which stand for no text
        }
        const quote = token[0];
        if (offset >= from && (quote === "'" || quote === '"') && !closesItself(token)) {
            return offset;
        }
        offset += token.length;
    }
    return undefined;
}

/** Whether a quoted-scalar token's source ends with its closing quote. */
function closesItself(token: string): boolean {
    return token.length > 1 && closingQuote(token, 0) === token.length - 1;
}

/**
 * `text` with the continuation lines of each quoted value that YAML 1.2 would end early indented
 * one column past the line the value starts on, and where that was done; `text` itself when no
 * value needs it (or one has no closing quote before the next document, which stays an error).
 */
export function reindentQuotedValues(text: string): { text: string; repairs: QuotedValueRepair[] } {
    const repairs: QuotedValueRepair[] = [];
    // Each round repairs one value; a value the lexer still cuts after its repair ends the rounds.
    for (let round = 0; round < 100; round++) {
        const open = firstUnclosedQuote(text);
        const close = open === undefined ? undefined : closingQuote(text, open);
        if (open === undefined || close === undefined) {
            break;
        }
        const lineStart = text.lastIndexOf("\n", open) + 1;
        const indent = /^ */.exec(text.slice(lineStart))?.[0].length ?? 0;
        const lines = text.slice(0, close + 1).split("\n");
        const line = text.slice(0, open).split("\n").length;
        let from: number | undefined;
        let to = line;
        for (let l = line; l < lines.length; l++) { // 0-based index l is line l + 1: the lines after the opening one
            const own = /^ */.exec(lines[l])?.[0].length ?? 0;
            if (lines[l].trim() !== "" && own <= indent) {
                lines[l] = " ".repeat(indent + 1 - own) + lines[l];
                from ??= l + 1;
                to = l + 1;
            }
        }
        if (from === undefined) {
            break; // nothing under-indented: the lexer cut it for another reason, which stays an error
        }
        text = lines.join("\n") + text.slice(close + 1);
        repairs.push({ line, from, to });
    }
    return { text, repairs };
}
