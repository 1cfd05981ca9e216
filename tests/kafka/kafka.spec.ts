import { KafkaSuite } from "./suite";
import { basicScenarios } from "./scenarios-basics";
import { accessScenarios } from "./scenarios-access";
import { rollScenarios } from "./scenarios-rolls";
import { failureScenarios } from "./scenarios-failures";
import { hangGuard } from "../servers/hang-guard";

// The rendered Kafka (start script, server.properties, env, probes) run for real as three
// brokers of the image's version on the rendered ensemble: registration, the walkthrough's
// produce/consume, who may talk to Kafka (TLS, SCRAM users, ACLs applied by the rendered Job),
// a certificate rotation as a rolling restart, broker and ZooKeeper losses, kill -9 and a full
// restart, with every acknowledged message checked, exactly once and in order. The scenarios run
// in this order on one cluster (each leaves it as the next expects), so they are one suite.
describe("the rendered Kafka cluster, run as three real brokers on the real ensemble", function () {
    // Slowest seen: 134 s (the certificate rotation's controller-paced roll).
    this.timeout(hangGuard(140_000));
    const suite = new KafkaSuite();
    before(async function () {
        await suite.start(this);
    });
    after(async function () {
        await suite.stop(this.test?.parent?.tests.some((t) => t.isFailed()) ?? false);
    });

    basicScenarios(suite);
    accessScenarios(suite);
    rollScenarios(suite);
    failureScenarios(suite);
});
