package dev.portcullis.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The broker's configuration: immutable, typed, validated once at start-up. Defaults and their
 * documentation live in {@code config/portcullis.yaml}, which is built into the broker.
 */
public record PortcullisConfig(Path dataDir, String node, Api api, Ssh ssh, Database database, String policies, Ledger ledger,
                               Ops ops, List<Webhook> webhooks) {

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

    public PortcullisConfig withDataDir(Path dir) {
        return new PortcullisConfig(dir, node, api, ssh, database, policies, ledger, ops, webhooks);
    }

    public PortcullisConfig withApiPort(int port) {
        return new PortcullisConfig(dataDir, node, new Api(api.host(), port, api.maxBodyBytes()), ssh, database, policies, ledger,
                ops, webhooks);
    }
}
