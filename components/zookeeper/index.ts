/**
 * The ZooKeeper ensemble of the "Running ZooKeeper" tutorial (zk-hs, zk-cs, zk-pdb, zk). Others
 * wire it through ZooKeeperEnsemble's outputs (connectString, kafkaCredentials, traffic); the
 * config schema and the capacity rules read its options, names and disruption budget here.
 */
export { ZooKeeperEnsemble, type ZooKeeperEnsembleArgs } from "./ensemble";
export { ZOOKEEPER_DEFAULTS, type ZooKeeperOptions, zookeeperOptions } from "./options";
export { ZK_KAFKA_USER, ZK_METRICS_PORT, ZK_NAMES, ZK_PDB_MAX_UNAVAILABLE, ZK_PROBE_CALLS, zookeeperSpecs } from "./spec";
