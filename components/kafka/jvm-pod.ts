import type * as k8s from "@pulumi/kubernetes";
import { JMX_EXPORTER } from "./metrics";
import { TLS_PATHS } from "./security";
import { KAFKA_NAMES, KAFKA_PATHS } from "./names";

/** What a Kafka JVM pod (a broker, a controller) mounts besides its ConfigMap's volumes. */
export interface JvmPodFiles {
    dataClaim: string;
    /** The JMX exporter agent's ConfigMap. */
    agent: boolean;
    /** The brokers' ZooKeeper credentials (kafka-zookeeper-auth). */
    zookeeperAuth: boolean;
    /** The pod's TLS Secret and its per-pod items (mounted at the pod's own directory only). */
    tls?: { secretName: string; items: Array<{ key: string; path: string }> };
}

/**
 * The volumes and mounts of a Kafka JVM pod, at the paths the image and the scripts expect: the
 * data claim, config and scripts, a runtime and a tmp emptyDir, the agent, the ZooKeeper login,
 * and only this pod's directory of its TLS Secret (its own key, never another pod's).
 */
export function jvmPodFiles(f: JvmPodFiles, configVolumes: k8s.types.input.core.v1.Volume[]): {
    volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[];
} {
    return {
        volumes: [
            ...configVolumes,
            { name: "runtime", emptyDir: { sizeLimit: "16Mi" } },
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            ...(f.agent ? [{ name: "jmx-exporter", configMap: { name: JMX_EXPORTER.configMap } }] : []),
            ...(f.zookeeperAuth ? [{ name: "zookeeper-auth", secret: { secretName: KAFKA_NAMES.zookeeperAuthSecret, defaultMode: 0o400 } }] : []),
            ...(f.tls ? [{ name: "tls", secret: { secretName: f.tls.secretName, defaultMode: 0o400, items: f.tls.items } }] : []),
        ],
        mounts: [
            { name: f.dataClaim, mountPath: KAFKA_PATHS.data },
            { name: "config", mountPath: KAFKA_PATHS.config, readOnly: true },
            { name: "scripts", mountPath: KAFKA_PATHS.scripts, readOnly: true },
            { name: "runtime", mountPath: KAFKA_PATHS.runtime },
            { name: "tmp", mountPath: KAFKA_PATHS.tmp },
            ...(f.agent ? [{ name: "jmx-exporter", mountPath: JMX_EXPORTER.mountPath, readOnly: true }] : []),
            ...(f.zookeeperAuth ? [{ name: "zookeeper-auth", mountPath: KAFKA_PATHS.zookeeperAuth, readOnly: true }] : []),
            ...(f.tls ? [{ name: "tls", mountPath: TLS_PATHS.brokerSecret, subPathExpr: "$(POD_NAME)", readOnly: true }] : []),
        ],
    };
}
