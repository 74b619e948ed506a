package dev.portcullis.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The broker's configuration: immutable, typed, validated once at start-up. Defaults and their
 * documentation live in {@code config/portcullis.yaml}, which is built into the broker.
 */
public record PortcullisConfig(Path dataDir, String node, Api api, Ssh ssh, Database database, String policies, Ledger ledger,
                               Credentials credentials, Ops ops, List<Webhook> webhooks, Http http) {

    public record Api(String host, int port, int maxBodyBytes) {
    }

    /** The SSH gateway's listener; {@code enabled: false} runs the broker without it. */
    /**
     * The SSH gateway's listener, and the ciphers it offers vendors ({@code ssh.ciphers}: OpenSSH names, comma
     * separated, in order of preference; validated against {@link #SUPPORTED_CIPHERS} at load).
     */
    public record Ssh(boolean enabled, String host, int port, List<String> ciphers) {
        /** What the gateway can offer: AES only, which the JDK computes with AES-NI; MINA's ChaCha20 is plain Java. */
        public static final List<String> SUPPORTED_CIPHERS = List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
                "aes128-ctr", "aes192-ctr", "aes256-ctr");

        public Ssh {
            ciphers = List.copyOf(ciphers);
        }
    }

    /** An empty {@code url} means: run the embedded PostgreSQL under the data directory. */
    public record Database(String url, String user, String password, int poolSize, int embeddedPort) {
        public boolean embedded() {
            return url == null || url.isBlank();
        }
    }

    /**
     * Where ledger entries are also written as JSON lines ("stdout", "off" or a file path), and how often
     * the head is signed as a checkpoint.
     */
    public record Ledger(String jsonLines, int checkpointSeconds) {
    }

    /**
     * Where session credentials come from: {@code local} (the built-in SSH CA) or {@code vault}. Secrets
     * (secretId) are never printed: see {@link Vault#toString()}.
     */
    public record Credentials(String broker, Vault vault) {
        public boolean usesVault() {
            return "vault".equals(broker);
        }
    }

    /** How the broker reaches and authenticates to Vault; see {@code credentials.vault} in portcullis.yaml. */
    public record Vault(String address, String auth, String roleId, String secretId, String secretIdFile, String tokenFile,
                        String caFile, int openTimeoutSeconds, int readTimeoutSeconds, int workerPoolSize,
                        String sshMount, String sshRole, int reconcileSeconds) {
        @Override
        public String toString() {
            return "Vault[" + address + ", auth " + auth + ", roleId " + (roleId.isBlank() ? "-" : "set") + "]";
        }
    }

    /** The operations listener: {@code /metrics}, {@code /health/live}, {@code /health/ready}. */
    public record Ops(boolean enabled, String host, int port) {
    }

    /**
     * One webhook receiver: ledger entries of the listed types (a trailing {@code *} matches a prefix) are POSTed
     * to {@code url}, signed with {@code secret} (read from {@code secretFile} when that is set).
     */
    public record Webhook(String url, String secret, List<String> events) {
        public Webhook {
            events = List.copyOf(events);
        }

        /**
         * The receiver for logs: scheme, host and port only. Chat services put their own secret in the URL's path
         * (Slack, Teams), so the path and query are never logged either.
         */
        public String where() {
            java.net.URI uri = java.net.URI.create(url);
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + "/…";
        }

        @Override
        public String toString() {
            return "Webhook[" + where() + ", events=" + events + "]"; // never the secret
        }
    }

    /**
     * The HTTP gateway's listener (see gateway/http/README.md). {@code certFile}/{@code keyFile} empty: a self-signed
     * certificate under {@code <dataDir>/tls/}; {@code upstreamCaFile} empty: the JVM's trust store; {@code forwarded}
     * is {@code x-forwarded}, {@code forwarded}, {@code both} or {@code none}; {@code hostSuffix} non-empty also routes
     * {@code <target><hostSuffix>} by the Host header; {@code instances} 0: one listener per core.
     */
    public record Http(boolean enabled, String host, int port, boolean tls, String certFile, String keyFile,
                       String upstreamCaFile, String forwarded, String hostSuffix, int idleTimeoutSeconds,
                       int headerTimeoutSeconds, int upstreamConnectTimeoutSeconds, int maxHeaderBytes, int maxUriBytes,
                       int instances) {
    }

    public PortcullisConfig withDataDir(Path dir) {
        return new PortcullisConfig(dir, node, api, ssh, database, policies, ledger, credentials, ops, webhooks, http);
    }

    public PortcullisConfig withApiPort(int port) {
        return new PortcullisConfig(dataDir, node, new Api(api.host(), port, api.maxBodyBytes()), ssh, database, policies, ledger,
                credentials, ops, webhooks, http);
    }
}
