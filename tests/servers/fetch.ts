/**
 * `npm run servers`: fetches, from Maven Central, the ZooKeeper and Kafka jars of the versions
 * the rendered dev stack's images run, and the JMX exporter agent the program uses (through Maven, to compare with tools/fetch-agent.ts's copy), into .cache/servers (the real-server tests fetch them
 * on demand too; CI fetches first so that a test's clock never includes a download).
 */
import { render } from "../harness/render";
import { renderedPod } from "./local-pod";
import { imageVersion, serverClasspath } from "./jars";
import { JMX_EXPORTER } from "../../components/kafka";

async function main(): Promise<void> {
    const stack = await render();
    for (const [kind, sts] of [["zookeeper", "zk"], ["kafka", "kafka"]] as const) {
        const version = imageVersion(renderedPod(stack, sts).container.image);
        const jars = serverClasspath(kind, version).split(":").length;
        console.log(`${kind} ${version}: ${jars} jars in .cache/servers`);
    }
    serverClasspath("jmx-exporter", JMX_EXPORTER.version);
    console.log(`jmx-exporter ${JMX_EXPORTER.version}: Maven Central's agent jar in .cache/servers`);
}

main().catch((e: unknown) => {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
});
