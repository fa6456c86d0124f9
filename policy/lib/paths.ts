/**
 * Pulumi property paths, parsed the way the engine parses them, to tell whether a resource's
 * `ignoreChanges` entry covers a field.
 */

/**
 * Parses a Pulumi property path the way the engine does (`resource.ParsePropertyPath`): `a.b`,
 * `a["b"]`, `["a"].b`, `a[0]`, `a[*]`, `a.*`. Returns undefined for a path the engine rejects.
 */
export function parsePropertyPath(path: string): (string | number)[] | undefined {
    const elements: (string | number)[] = [];
    let rest = path;
    if (rest.startsWith(".")) {
        return undefined;
    }
    while (rest.length > 0) {
        if (rest[0] === ".") {
            rest = rest.slice(1);
            if (rest.length === 0) {
                return undefined;
            }
        } else if (rest[0] === "[") {
            if (rest[1] === "\"") {
                let key = "";
                let i = 2;
                for (; ;) {
                    if (i >= rest.length) {
                        return undefined;
                    } else if (rest[i] === "\"") {
                        i++;
                        break;
                    } else if (rest[i] === "\\" && rest[i + 1] === "\"") {
                        key += "\"";
                        i += 2;
                    } else {
                        key += rest[i];
                        i++;
                    }
                }
                if (rest[i] !== "]") {
                    return undefined;
                }
                elements.push(key);
                rest = rest.slice(i + 1);
            } else {
                const close = rest.indexOf("]");
                if (close < 0) {
                    return undefined;
                }
                const segment = rest.slice(1, close);
                if (segment === "*") {
                    elements.push("*");
                } else if (/^[+-]?[0-9]+$/.test(segment)) {
                    elements.push(Number(segment));
                } else {
                    return undefined;
                }
                rest = rest.slice(close + 1);
            }
        } else {
            const end = rest.search(/[.[]/);
            const name = end < 0 ? rest : rest.slice(0, end);
            elements.push(name);
            rest = end < 0 ? "" : rest.slice(end);
        }
    }
    return elements;
}

/**
 * Whether an ignoreChanges list covers a property: an entry covers it when the entry is the
 * property's path or a parent of it, `*` standing for any one key (`spec.replicas`, `spec`,
 * `spec.*`, `*` and `["spec"]["replicas"]` all cover spec.replicas; `spec.template` and
 * `spec.replicas.x` don't). This is the engine's PropertyPath.Contains.
 */
export function ignoreChangesCovers(ignoreChanges: readonly string[] | undefined, property: (string | number)[]): boolean {
    return (ignoreChanges ?? []).some(entry => {
        const path = parsePropertyPath(entry);
        return path !== undefined && path.length > 0 && path.length <= property.length &&
            path.every((p, i) => p === "*" || p === property[i]);
    });
}
