import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RenderedStack } from "../harness/render";

type Subject = { commonName?: string; organization?: string };
type Registered = { type: string; name: string; props: Record<string, unknown> };

/** A key and certificate, PEM, as the TLS provider hands them out (the key unencrypted PKCS#8). */
export interface Pem { key: string; cert: string }

/**
 * What the rendered TLS resources ask for, minted for real with openssl, kept as Pulumi's state
 * keeps them: by resource name. `ca` signs the leaves, `trusted` is every Secret's ca.crt.
 */
export interface MintedPki {
    /** Each CA by resource name (kafka-pki-ca, kafka-pki-ca2 …). */
    cas: Record<string, Pem>;
    /** The CA that signs this render's leaves. */
    ca: Pem;
    /** The trusted CAs' certificates, as the render's kafkaTrustBundle names them. */
    trusted: string;
    /** Each leaf by its name without suffixes (kafka-pki-kafka-0, kafka-pki-admin, kafka-user-certapp). */
    leaves: Record<string, Pem>;
    /** Each leaf by its certificate's resource name: what a later render with the same name keeps. */
    resources: Record<string, Pem>;
    dir: string;
}

/** The resource an offline PEM stands for: tools/mock-state.ts writes "offline <name>" into each. */
export function offlineOrigins(pem: string): string[] {
    return [...pem.matchAll(/-----BEGIN [A-Z ]+-----\n(.*)\n/g)].map((m) => Buffer.from(m[1], "base64").toString().replace(/^offline /, ""));
}

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
 * Mints, with openssl, the CAs and certificates the rendered @pulumi/tls resources describe:
 * their subjects, DNS names, lifetimes and uses, read from the render itself, with ECDSA P-256
 * keys as the PrivateKey resources ask; each leaf signed by the CA its resource names. Given what
 * an earlier render minted, it keeps every resource whose name is unchanged and mints the rest,
 * as `pulumi up` does: a rotation's render gets new leaves, or a new CA beside the old.
 */
export function mintPki(stack: RenderedStack, dir: string, previous?: MintedPki): MintedPki {
    fs.mkdirSync(dir, { recursive: true });
    const run = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
    const resources = stack.resources as unknown as Registered[];
    const keyFile = (name: string) => {
        const file = path.join(dir, `${name}.key`);
        run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file);
        return file;
    };
    const cas: Record<string, Pem> = {};
    for (const r of resources.filter((x) => x.type === "tls:index/selfSignedCert:SelfSignedCert")) {
        const kept = previous?.cas[r.name];
        if (kept) {
            cas[r.name] = kept;
            continue;
        }
        const key = keyFile(r.name);
        const ext = path.join(dir, `${r.name}.ext`);
        fs.writeFileSync(ext, extensions(r.props));
        const cert = path.join(dir, `${r.name}.crt`);
        const csr = path.join(dir, `${r.name}.csr`);
        run("req", "-new", "-key", key, "-subj", subjectArg(r.props.subject as Subject), "-out", csr);
        run("x509", "-req", "-in", csr, "-signkey", key, "-days", days(r.props.validityPeriodHours), "-extfile", ext, "-out", cert);
        cas[r.name] = { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8") };
    }

    const leaves: Record<string, Pem> = {};
    const minted: Record<string, Pem> = {};
    const signers = new Set<string>();
    for (const cert of resources.filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert")) {
        const leaf = cert.name.replace(/-cert(-g\d+)?(-ca\d+)?$/, "");
        const [signer] = offlineOrigins(cert.props.caCertPem as string);
        signers.add(signer);
        const kept = previous?.resources[cert.name];
        if (kept) {
            leaves[leaf] = minted[cert.name] = kept;
            continue;
        }
        const authority = cas[signer];
        if (!authority) throw new Error(`${cert.name} is signed by ${signer}, which the render does not hold`);
        const caKey = path.join(dir, `${signer}-signing.key`);
        const caCert = path.join(dir, `${signer}-signing.crt`);
        fs.writeFileSync(caKey, authority.key, { mode: 0o600 });
        fs.writeFileSync(caCert, authority.cert);
        const request = resources.find((r) => r.type === "tls:index/certRequest:CertRequest" && r.name === cert.name.replace(/-cert((-g\d+)?(-ca\d+)?)$/, "-csr$1"))!;
        const key = keyFile(cert.name);
        const csr = path.join(dir, `${cert.name}.csr`);
        run("req", "-new", "-key", key, "-subj", subjectArg(request.props.subject as Subject), "-out", csr);
        const ext = path.join(dir, `${cert.name}.ext`);
        fs.writeFileSync(ext, extensions(cert.props, request.props.dnsNames as string[] | undefined));
        const crt = path.join(dir, `${cert.name}.crt`);
        run("x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-set_serial", `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6)}`,
            "-days", days(cert.props.validityPeriodHours), "-extfile", ext, "-out", crt);
        leaves[leaf] = minted[cert.name] = { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(crt, "utf8") };
    }
    if (signers.size !== 1) throw new Error(`the render's leaves must have one signing CA, got ${[...signers].join(", ")}`);
    const trusted = offlineOrigins(String(stack.outputs.kafkaTrustBundle)).map((name) => cas[name].cert).join("");
    return { cas, ca: cas[[...signers][0]], trusted, leaves, resources: minted, dir };
}

/**
 * The Secrets' files as KafkaPki lays them out (users' certificates go to their own Secrets, which no pod here mounts) (kafka-tls: ca.crt, <pod>.key, <pod>.crt;
 * kafka-admin-tls: ca.crt, tls.key, tls.crt), keyed `<secret>/<key>` for offlineSecrets.
 */
export function pkiSecrets(pki: MintedPki): Record<string, string> {
    const out: Record<string, string> = { "kafka-tls/ca.crt": pki.trusted, "kafka-admin-tls/ca.crt": pki.trusted, "kafka-controller-tls/ca.crt": pki.trusted };
    for (const [leaf, pem] of Object.entries(pki.leaves).filter(([name]) => name.startsWith("kafka-pki-"))) {
        const pod = leaf.replace(/^kafka-pki-/, "");
        // The controllers' certificates go to their own Secret (kafka-controller-tls).
        const secret = pod.startsWith("kafka-controller-") ? "kafka-controller-tls" : "kafka-tls";
        if (pod === "admin") Object.assign(out, { "kafka-admin-tls/tls.key": pem.key, "kafka-admin-tls/tls.crt": pem.cert });
        else Object.assign(out, { [`${secret}/${pod}.key`]: pem.key, [`${secret}/${pod}.crt`]: pem.cert });
    }
    return out;
}
