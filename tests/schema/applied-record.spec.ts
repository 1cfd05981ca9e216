import { strict as assert } from "assert";
import { registeredOutputs } from "../../tools/runtime";
import { readProgramConfig } from "../../tools/stack-config";
import { PROJECT_ROOT } from "../../tools/runtime";
import { render } from "../harness/render";
import { DEPLOYED_OUTPUT } from "../../schema/deployed";

// What a failed `pulumi up` leaves as the record its next preview checks against (#33.6): the
// program runs in a stack as the Node host runs it, with one resource failing to apply.
describe("the deployed record holds only what an update applied", function () {
    const config = () => readProgramConfig(PROJECT_ROOT, "dev", ["kafka.storageSize=30Gi", "zookeeper.storageSize=12Gi"]);

    it("is registered, with everything else, when every object applies", async () => {
        const outputs = await registeredOutputs(config(), "dev", () => false);
        const rendered = await render({ "kafka.storageSize": "30Gi", "zookeeper.storageSize": "12Gi" });
        assert.deepEqual(outputs?.[DEPLOYED_OUTPUT], rendered.outputs[DEPLOYED_OUTPUT]);
        assert.equal((outputs?.[DEPLOYED_OUTPUT] as { kafka: { storageSize: string } }).kafka.storageSize, "30Gi");
    });

    const failures: Array<[string, string, string]> = [
        ["a broker's claim patch (the disk did not grow)", "kubernetes:core/v1:PersistentVolumeClaimPatch", "datadir-kafka-1"],
        ["a ZooKeeper server's claim patch", "kubernetes:core/v1:PersistentVolumeClaimPatch", "datadir-zk-0"],
        ["the ZooKeeper StatefulSet (its roll onto SASL)", "kubernetes:apps/v1:StatefulSet", "zk"],
        ["the Kafka StatefulSet (its roll)", "kubernetes:apps/v1:StatefulSet", "kafka"],
        ["the namespace", "kubernetes:core/v1:Namespace", "namespace"],
    ];
    for (const [what, type, name] of failures) {
        it(`is not registered when ${what} fails: the engine keeps the last record`, async () => {
            const outputs = await registeredOutputs(config(), "dev", (t, n) => t === type && n === name);
            assert.equal(outputs, undefined, `registered: ${JSON.stringify(outputs?.[DEPLOYED_OUTPUT])}`);
        });
    }
});
