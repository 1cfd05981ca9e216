import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RenderedStack } from "../harness/render";

type Subject = { commonName?: string; organization?: string };
type Registered = { type: string; name: string; props: Record<string, unknown> };

/** A key and certificate, PEM, as the TLS provider hands them out (the key unencrypted PKCS#8). */
export interface Pem { key: string; cert: string }

/** What the rendered TLS resources ask for, minted for real with openssl: the CA, and each leaf by its resource name (kafka-pki-kafka-0 …). */
export interface MintedPki { ca: Pem; leaves: Record<string, Pem>; dir: string }

const subjectArg = (s: Subject) => `/${[s.organization ? `O=${s.organization}` : "", s.commonName ? `CN=${s.commonName}` : ""].filter(Boolean).join("/")}`;
const days = (hours: unknown) => String(Math.max(1, Math.ceil(Number(hours) / 24)));
// The provider's allowed_uses names (terraform-provider-tls common_cert.go) in openssl's terms.
const KEY_USAGE: Record<string, string> = { digital_signature: "digitalSignature", cert_signing: "keyCertSign", crl_signing: "cRLSign", key_encipherment: "keyEncipherment" };
const EXT_KEY_USAGE: Record<string, string> = { server_auth: "serverAuth", client_auth: "clientAuth" };

function extensions(props: Record<string, unknown>, dnsNames?: string[]): string {
    const uses = (props.allowedUses as string[] | undefined) ?? [];
    const keyUsage = uses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]);
    const extKeyUsage = uses.filter((u) => EXT_KEY_USAGE[u]).map((u) => EXT_KEY_USAGE[u]);
    return [
        `basicConstraints=critical,CA:${props.isCaCertificate ? "TRUE" : "FALSE"}`,
        ...(keyUsage.length ? [`keyUsage=critical,${keyUsage.join(",")}`] : []),
        ...(extKeyUsage.length ? [`extendedKeyUsage=${extKeyUsage.join(",")}`] : []),
        ...(dnsNames?.length ? [`subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(",")}`] : []),
        "subjectKeyIdentifier=hash",
        "",
    ].join("\n");
}

/**
 * Mints, with openssl, the CA and certificates the rendered @pulumi/tls resources describe:
 * their subjects, DNS names, lifetimes and uses, read from the render itself, with ECDSA P-256
 * keys as the PrivateKey resources ask. Given `ca`, it signs a new set of leaves with it: a
 * rotation under the same CA.
 */
export function mintPki(stack: RenderedStack, dir: string, ca?: Pem): MintedPki {
    fs.mkdirSync(dir, { recursive: true });
    const run = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
    const resources = stack.resources as unknown as Registered[];
    const keyFile = (name: string) => {
        const file = path.join(dir, `${name}.key`);
        run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file);
        return file;
    };
    let authority = ca;
    if (authority === undefined) {
        const caProps = resources.find((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert")!.props;
        const key = keyFile("ca");
        const ext = path.join(dir, "ca.ext");
        fs.writeFileSync(ext, extensions(caProps));
        const cert = path.join(dir, "ca.crt");
        const csr = path.join(dir, "ca.csr");
        run("req", "-new", "-key", key, "-subj", subjectArg(caProps.subject as Subject), "-out", csr);
        run("x509", "-req", "-in", csr, "-signkey", key, "-days", days(caProps.validityPeriodHours), "-extfile", ext, "-out", cert);
        authority = { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8") };
    }
    const caKey = path.join(dir, "signing-ca.key");
    const caCert = path.join(dir, "signing-ca.crt");
    fs.writeFileSync(caKey, authority.key, { mode: 0o600 });
    fs.writeFileSync(caCert, authority.cert);

    const leaves: Record<string, Pem> = {};
    for (const cert of resources.filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert")) {
        const leaf = cert.name.replace(/-cert(-g\d+)?$/, "");
        const request = resources.find((r) => r.type === "tls:index/certRequest:CertRequest" && r.name === cert.name.replace(/-cert(-g\d+)?$/, "-csr$1"))!;
        const key = keyFile(leaf);
        const csr = path.join(dir, `${leaf}.csr`);
        run("req", "-new", "-key", key, "-subj", subjectArg(request.props.subject as Subject), "-out", csr);
        const ext = path.join(dir, `${leaf}.ext`);
        fs.writeFileSync(ext, extensions(cert.props, request.props.dnsNames as string[] | undefined));
        const crt = path.join(dir, `${leaf}.crt`);
        run("x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-set_serial", `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6)}`,
            "-days", days(cert.props.validityPeriodHours), "-extfile", ext, "-out", crt);
        leaves[leaf] = { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(crt, "utf8") };
    }
    return { ca: authority, leaves, dir };
}

/**
 * The Secrets' files as KafkaPki lays them out (users' certificates go to their own Secrets, which no pod here mounts) (kafka-tls: ca.crt, <pod>.key, <pod>.crt;
 * kafka-admin-tls: ca.crt, tls.key, tls.crt), keyed `<secret>/<key>` for offlineSecrets.
 */
export function pkiSecrets(pki: MintedPki): Record<string, string> {
    const out: Record<string, string> = { "kafka-tls/ca.crt": pki.ca.cert, "kafka-admin-tls/ca.crt": pki.ca.cert };
    for (const [leaf, pem] of Object.entries(pki.leaves).filter(([name]) => name.startsWith("kafka-pki-"))) {
        const pod = leaf.replace(/^kafka-pki-/, "");
        if (pod === "admin") Object.assign(out, { "kafka-admin-tls/tls.key": pem.key, "kafka-admin-tls/tls.crt": pem.cert });
        else Object.assign(out, { [`kafka-tls/${pod}.key`]: pem.key, [`kafka-tls/${pod}.crt`]: pem.cert });
    }
    return out;
}
