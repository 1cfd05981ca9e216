import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { BINARIES, cacheRoot, pinnedVersion } from "../../tools/e2e/build";
import { PROJECT_ROOT } from "../../tools/runtime";

describe("npm run e2e:build: versions pinned once, in the wrapper modules", () => {
    const kube = BINARIES.find((b) => b.name === "kube")!;
    const goMod = fs.readFileSync(path.join(PROJECT_ROOT, "tools", "e2e", "go", "kube", "go.mod"), "utf8");

    it("reads each binary's version from its wrapper's go.mod, and keys the cache by it, outside the clone", () => {
        assert.deepEqual(BINARIES.map((b) => `${b.name} ${pinnedVersion(b)}`), ["kube v1.36.3", "etcd v3.6.17", "kwok v0.8.0", "promtool v0.316.0"]);
        assert.ok(!path.relative(PROJECT_ROOT, cacheRoot()).match(/^[^.]/), `the cache ${cacheRoot()} is not inside the clone`);
    });

    it("refuses a staging module of another Kubernetes release, naming it", () => {
        const mixed = goMod.replace("k8s.io/kubectl => k8s.io/kubectl v0.36.3", "k8s.io/kubectl => k8s.io/kubectl v0.35.4");
        assert.notEqual(mixed, goMod);
        assert.throws(() => pinnedVersion(kube, mixed), /every staging module must be v0\.36\.3, got k8s\.io\/kubectl v0\.35\.4/);
    });

    it("refuses a wrapper that does not require its module directly", () => {
        assert.throws(() => pinnedVersion(kube, goMod.replace(/\tk8s\.io\/kubernetes v1\.36\.3\n/, "")), /must require k8s\.io\/kubernetes directly/);
    });
});
