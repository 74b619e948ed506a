package dev.portcullis.gateway.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The SSH gateway's tunables, typed, with their defaults in this one place.
 *
 * @param host                 address the front door listens on
 * @param port                 port the front door listens on; 0 picks a free one (see {@link SshGateway#port()})
 * @param dataDir              the broker's data directory: the host key lives in {@code ssh/}, recordings in {@code recordings/}
 * @param node                 this broker node's name, written on every session row
 * @param keyLookupTimeout     how long public-key authentication waits for the principal lookup before refusing
 * @param upstreamTimeout      how long connecting and authenticating to a target may take before the session fails
 * @param drainGrace           when a target goes away, how long its last output may take to reach the vendor before
 *                             the vendor is disconnected anyway (a cut does not wait: it disconnects at once)
 * @param windowSize           SSH channel window, both sides: the most unacknowledged data in flight per channel
 *                             and direction, and so the bound on what the gateway buffers for it
 * @param chunkSize            the piece read from one side before it is written to the other; a pump whose reads
 *                             come back full grows it up to 256 KiB (bulk output), and falls back when they do not
 * @param vendorCiphers        ciphers offered to vendors, by OpenSSH name, most preferred first (the target leg
 *                             always offers AES-GCM, then AES-CTR)
 */
public record SshGatewayOptions(String host, int port, Path dataDir, String node, Duration keyLookupTimeout,
                                Duration upstreamTimeout, Duration drainGrace, long windowSize, int chunkSize,
                                List<String> vendorCiphers) {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 2222;
    public static final Duration DEFAULT_KEY_LOOKUP_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_DRAIN_GRACE = Duration.ofMillis(400);
    public static final long DEFAULT_WINDOW_SIZE = 2L * 1024 * 1024;
    public static final int DEFAULT_CHUNK_SIZE = 32 * 1024;
    /**
     * AES-GCM only: an OpenSSH client takes the first cipher of its own list that the server offers, which would be
     * aes128-ctr with a separate MAC — measured a fifth slower through the gateway than AES-GCM.
     */
    public static final List<String> DEFAULT_VENDOR_CIPHERS = List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com");

    public SshGatewayOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(node, "node");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, got " + port);
        }
        if (drainGrace.isNegative() || drainGrace.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("drainGrace must be 0-10 s");
        }
        if (windowSize < chunkSize || chunkSize < 1024) {
            throw new IllegalArgumentException("chunkSize must be at least 1 KiB and windowSize at least one chunk");
        }
        vendorCiphers = List.copyOf(vendorCiphers);
        Algorithms.ciphers(vendorCiphers); // fails on a name the gateway cannot offer
    }

    /** The defaults, for a broker whose data directory is {@code dataDir}. */
    public static SshGatewayOptions defaults(Path dataDir, String node) {
        return new SshGatewayOptions(DEFAULT_HOST, DEFAULT_PORT, dataDir, node, DEFAULT_KEY_LOOKUP_TIMEOUT,
                DEFAULT_UPSTREAM_TIMEOUT, DEFAULT_DRAIN_GRACE, DEFAULT_WINDOW_SIZE, DEFAULT_CHUNK_SIZE, DEFAULT_VENDOR_CIPHERS);
    }

    public SshGatewayOptions withVendorCiphers(List<String> ciphers) {
        return new SshGatewayOptions(host, port, dataDir, node, keyLookupTimeout, upstreamTimeout, drainGrace, windowSize,
                chunkSize, ciphers);
    }

    public SshGatewayOptions withListener(String newHost, int newPort) {
        return new SshGatewayOptions(newHost, newPort, dataDir, node, keyLookupTimeout, upstreamTimeout, drainGrace,
                windowSize, chunkSize, vendorCiphers);
    }

    Path hostKeyDirectory() {
        return dataDir.resolve("ssh");
    }

    Path recordingDirectory() {
        return dataDir.resolve("recordings");
    }
}
