/**
 * `kubelab:movie-catalog`: defaults, ranges, the image rule and unknown keys, checked on the schema
 * itself. (The rendered lab is checked against LABS.md §5 in test/movie-catalog.test.ts.)
 */
import * as assert from "assert";
import { ConfigError, MissingConfigError, parseConfig, section } from "../../../infra/config";
import { checkCatalogImage, movieCatalogSettings, placeholderRegistry, requireCatalogImage } from "./settings";

/** Parses `value` as the stack's `kubelab:movie-catalog`, so that errors name kubelab:movie-catalog.<key>. */
const parseSection = (value: unknown) => parseConfig(section({ "movie-catalog": movieCatalogSettings }), { "movie-catalog": value }, "kubelab:")["movie-catalog"];

describe("movie-catalog settings (kubelab:movie-catalog)", () => {
    it("defaults to 3 members with 2Gi each, 2 catalog pods, 2Gi for Grafana, ingress-nginx, and no image, when unset or empty", () => {
        for (const value of [undefined, {}, null]) {
            assert.deepStrictEqual(movieCatalogSettings.parse(value),
                { replicas: 3, storage: "2Gi", catalogReplicas: 2, grafanaStorage: "2Gi", ingressControllerNamespace: "ingress-nginx" });
        }
    });

    it("takes the tutorial's image once pushed, any pinned tag or digest, as given", () => {
        for (const image of [
            "netflix_movie_catalog:0.0.1",
            "registry.example.com/netflix_movie_catalog:0.0.1",
            "localhost:5000/team/netflix-movie-catalog:v2",
            `ghcr.io/me/catalog@sha256:${"a".repeat(64)}`,
            `ghcr.io/me/catalog:1.0@sha256:${"b".repeat(64)}`,
        ]) {
            assert.strictEqual(parseSection({ image }).image, image);
        }
    });

    it("refuses an image without a pinned tag, or tagged latest, naming the key, the value and what is allowed", () => {
        for (const image of ["netflix_movie_catalog", "localhost:5000/catalog", "catalog:latest", "Catalog:1.0", "catalog:", ""]) {
            assert.throws(() => parseSection({ image }),
                (e: Error) => e.name === "ConfigError" && e.message === `invalid config kubelab:movie-catalog.image: ${JSON.stringify(image)} is not allowed; ` +
                    "expected the catalog app's image with a pinned tag (not latest) or digest, such as registry.example.com/netflix_movie_catalog:0.0.1", image);
        }
    });

    it("requires the image only when asked (a deployed instance): the error names the key, says no public image exists and how to set it", () => {
        assert.strictEqual(requireCatalogImage(parseSection({ image: "me/catalog:1" })), "me/catalog:1");
        assert.throws(() => requireCatalogImage(parseSection({})), (e: Error) => {
            assert.ok(e instanceof MissingConfigError);
            assert.strictEqual(e.key, "kubelab:movie-catalog.image");
            assert.match(e.message, /^missing required config kubelab:movie-catalog\.image: /);
            assert.match(e.message, /no public image of the catalog app exists/);
            assert.match(e.message, /github\.com\/exit-zero-academy\/NetflixMovieCatalog/);
            assert.match(e.message, /pulumi config set --path movie-catalog\.image <image>/);
            return true;
        });
        assert.throws(() => requireCatalogImage(parseSection({}), "other"), /^MissingConfigError: missing required config other:movie-catalog\.image/);
    });

    it("tells a placeholder registry (a name reserved for examples, never resolvable) from real ones", () => {
        for (const [image, host] of [
            ["registry.example.com/netflix_movie_catalog:0.0.1", "registry.example.com"],
            ["Example.ORG/catalog:1", "example.org"],
            ["registry.example.net:5000/team/catalog:1", "registry.example.net"],
            ["registry.workshop.test/catalog:1", "registry.workshop.test"],
            ["images.invalid/catalog:1", "images.invalid"],
            ["hub.lab.example/catalog:1", "hub.lab.example"],
        ]) {
            assert.strictEqual(placeholderRegistry(image), host, image);
        }
        for (const image of ["me/catalog:1", "netflix_movie_catalog:0.0.1", "myacr.azurecr.io/catalog:1", "localhost:5000/catalog:1",
            "registry.example.com.evil.io/catalog:1", "notexample.com/catalog:1", "ghcr.io/example/catalog:1"]) {
            assert.strictEqual(placeholderRegistry(image), undefined, image);
        }
    });

    it("warns about a placeholder image in a preview, and refuses it in an update naming the key, the value and what to do", () => {
        const placeholder = parseSection({ image: "registry.example.com/netflix_movie_catalog:0.0.1" });
        const [warning, ...more] = checkCatalogImage(placeholder, "kubelab", true);
        assert.deepStrictEqual(more, []);
        assert.match(warning, /^kubelab:movie-catalog\.image is registry\.example\.com\/netflix_movie_catalog:0\.0\.1, a placeholder \(registry\.example\.com is a name reserved for examples and never resolves\): this preview plans it, but pulumi up will refuse it; no public image/);
        for (const preview of [true, false]) {
            assert.deepStrictEqual(checkCatalogImage(parseSection({ image: "myacr.azurecr.io/catalog:1" }), "kubelab", preview), []);
        }
        assert.throws(() => checkCatalogImage(placeholder, "kubelab", false), (e: Error) => {
            assert.ok(e instanceof ConfigError);
            assert.strictEqual(e.key, "kubelab:movie-catalog.image");
            assert.match(e.message, /^invalid config kubelab:movie-catalog\.image: "registry\.example\.com\/netflix_movie_catalog:0\.0\.1" is not allowed; expected an image the nodes can pull: registry\.example\.com is a name reserved for examples and never resolves; no public image/);
            return true;
        });
        assert.throws(() => checkCatalogImage(parseSection({}), "kubelab", true), MissingConfigError, "still required in a preview");
    });

    it("allows 1 to 7 replica-set members (every member votes), as numbers or as pulumi config set stores them", () => {
        for (const n of [1, 3, 5, 7]) {
            assert.strictEqual(parseSection({ replicas: n }).replicas, n);
            assert.strictEqual(parseSection({ replicas: String(n) }).replicas, n);
        }
        assert.throws(() => parseSection({ replicas: 0 }), /^ConfigError: invalid config kubelab:movie-catalog\.replicas: 0 is not allowed; expected a whole number from 1 to 7 \(replica-set members, each a voter/);
        assert.throws(() => parseSection({ replicas: 8 }), /kubelab:movie-catalog\.replicas: 8 is not allowed; .*MongoDB allows 7/);
        assert.throws(() => parseSection({ replicas: 2.5 }), /kubelab:movie-catalog\.replicas: 2\.5 is not allowed/);
    });

    it("takes storage sizes Kubernetes reads, for MongoDB and for Grafana", () => {
        assert.strictEqual(parseSection({ storage: "4Gi" }).storage, "4Gi");
        assert.strictEqual(parseSection({ grafanaStorage: "5G" }).grafanaStorage, "5G");
        assert.throws(() => parseSection({ storage: "2GB" }), /kubelab:movie-catalog\.storage: "2GB" is not allowed; expected a Kubernetes storage quantity/);
        assert.throws(() => parseSection({ grafanaStorage: "0" }), /kubelab:movie-catalog\.grafanaStorage: "0" is not allowed/);
    });

    it("allows 1 to 10 catalog pods", () => {
        assert.strictEqual(parseSection({ catalogReplicas: 10 }).catalogReplicas, 10);
        assert.throws(() => parseSection({ catalogReplicas: 0 }), /kubelab:movie-catalog\.catalogReplicas: 0 is not allowed; expected a whole number from 1 to 10/);
    });

    it("names an unknown key and the known ones", () => {
        assert.throws(() => parseSection({ storageSize: "4Gi" }),
            /kubelab:movie-catalog\.storageSize.*no such setting; known settings here: image, replicas, storage, catalogReplicas, grafanaStorage, ingressControllerNamespace/);
    });
});
