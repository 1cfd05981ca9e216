import { checkAgainstDeployed, loadConfig } from "../../config";
import { clusterFor } from "../../components/gke";

// index.ts's first steps and no more: the config validated, then the cluster, without the
// workloads (a tenth of the resources, a fraction of a render's time). For the tests that look
// at the GCP resources alone; tests/components/gke/create-only.spec.ts holds what it registers
// equal to what the program registers.
export = async () => {
    const config = loadConfig();
    await checkAgainstDeployed(config);
    clusterFor("cluster", config.cluster);
    return {};
};
