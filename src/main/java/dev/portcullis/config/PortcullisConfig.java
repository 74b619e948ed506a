package dev.portcullis.config;

import java.nio.file.Path;

/**
 * The broker's configuration: immutable, typed, validated once at start-up. Defaults and their
 * documentation live in {@code config/portcullis.yaml}, which is built into the broker.
 */
public record PortcullisConfig(Path dataDir, String node, Api api, Ssh ssh, Database database, String policies, Ledger ledger,
                               Http http) {

    public record Api(String host, int port, int maxBodyBytes) {
    }

    /** The SSH gateway's listener; {@code enabled: false} runs the broker without it. */
    public record Ssh(boolean enabled, String host, int port) {
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
        return new PortcullisConfig(dir, node, api, ssh, database, policies, ledger, http);
    }

    public PortcullisConfig withApiPort(int port) {
        return new PortcullisConfig(dataDir, node, new Api(api.host(), port, api.maxBodyBytes()), ssh, database, policies, ledger, http);
    }
}
