package dev.portcullis.gateway.ssh;

import dev.portcullis.credentials.local.LocalSshCertificateAuthority;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.support.OpenSshTarget;
import dev.portcullis.support.StandInBroker;
import dev.portcullis.support.VendorSsh;
import io.vertx.core.json.JsonObject;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portcullis.support.StandInBroker.await;

/**
 * One broker core, one real sshd target trusting the broker's CA, and the gateway in front, shared by the
 * gateway tests in this JVM (starting PostgreSQL and sshd once keeps the suite short). Each test makes its
 * own vendor and targets with unique names, so tests do not see each other's grants.
 */
public final class GatewayFixture {

    private static GatewayFixture shared;

    public final Path dir;
    public final StandInBroker broker;
    public final LocalSshCertificateAuthority ca;
    public final OpenSshTarget sshd;
    public final SshGateway gateway;
    private final List<JsonObject> lifecycle = new java.util.ArrayList<>();
    private final AtomicInteger names = new AtomicInteger();

    private GatewayFixture() throws Exception {
        dir = Files.createTempDirectory("portcullis-gw-test-");
        broker = StandInBroker.start(dir.resolve("data"));
        ca = broker.harness.broker().certificateAuthority();
        sshd = OpenSshTarget.start(dir.resolve("data/ca/ssh_user_ca.pub"));
        gateway = broker.gateway();
        broker.vertx.eventBus().<JsonObject>consumer(SshGateway.SESSIONS_ADDRESS, m -> {
            synchronized (lifecycle) {
                lifecycle.add(m.body());
                lifecycle.notifyAll();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }

    public static synchronized GatewayFixture shared() throws Exception {
        if (shared == null) {
            shared = new GatewayFixture();
        }
        return shared;
    }

    private void stop() {
        try {
            sshd.close();
            broker.close();
            // PostgreSQL's data, recordings and the bulk-transfer payload: hundreds of MiB per run.
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } catch (Exception ignored) {
            // the JVM is exiting
        }
    }

    public String unique(String prefix) {
        return prefix + "-" + names.incrementAndGet();
    }

    /** A vendor with an Ed25519 key registered as principal {@code name}. */
    public Vendor vendor(String name) throws Exception {
        return vendor(name, KeyPairProvider.SSH_ED25519, 256);
    }

    public Vendor vendor(String name, String keyType, int bits) throws Exception {
        VendorSsh ssh = VendorSsh.create(dir.resolve("vendors").resolve(name), keyType, bits, gateway.port(), gateway.hostKeyLine());
        Principal principal = broker.vendor(name, ssh.publicKeyLine());
        return new Vendor(principal, ssh);
    }

    /** The real sshd registered as a target, its host key pinned. */
    public String target(String environment) {
        String name = unique("host");
        broker.sshTarget(name, environment, sshd.host(), sshd.port(), sshd.hostKeyLine());
        return name;
    }

    public static Map<String, Object> shellAsRoot() {
        return Map.of("principals", List.of("root"), "interactive", true);
    }

    public Grant grant(Vendor vendor, String target, Map<String, Object> scope) {
        return broker.grant(vendor.principal(), target, scope, Duration.ofHours(1));
    }

    /** Waits for the lifecycle event of {@code session} in {@code state}; answers it. */
    public JsonObject awaitLifecycle(java.util.function.Predicate<JsonObject> matches) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (lifecycle) {
            while (true) {
                for (JsonObject event : lifecycle) {
                    if (matches.test(event)) {
                        return event;
                    }
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no such session lifecycle event within 30 s; seen: " + lifecycle);
                }
                TimeUnit.NANOSECONDS.timedWait(lifecycle, left);
            }
        }
    }

    /** Waits until the grant's session is LIVE; answers the session id. */
    public UUID awaitLive(Grant grant) throws InterruptedException {
        return UUID.fromString(awaitLifecycle(e -> "LIVE".equals(e.getString("state"))
                && grant.id().toString().equals(e.getString("grant"))).getString("session"));
    }

    /** Waits until the ledger has an entry about {@code subject} that matches (ledger writes trail the client's view). */
    public LedgerChain.Entry awaitLedger(String subject, java.util.function.Predicate<LedgerChain.Entry> matches) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            for (LedgerChain.Entry e : broker.ledger(subject)) {
                if (matches.test(e)) {
                    return e;
                }
            }
            if (System.nanoTime() > until) {
                throw new AssertionError("no matching ledger entry for " + subject + ": " + broker.ledger(subject));
            }
            await(broker.vertx.timer(50));
        }
    }

    /**
     * Subscribes to the session's live feed; the answer completes with the first asciicast line that
     * contains {@code text}. Subscribe before the text can be printed: the feed has no replay.
     */
    public java.util.concurrent.CompletableFuture<String> watch(UUID session, String text) {
        java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
        var consumer = broker.vertx.eventBus().<String>consumer(SshGateway.liveAddress(session));
        consumer.handler(m -> {
            if (m.body().contains(text)) {
                seen.complete(m.body());
                consumer.unregister();
            }
        });
        await(consumer.completion());
        return seen;
    }

    /** The one session the grant has had. */
    public UUID onlySession(Grant grant) {
        var rows = broker.sessionsOf(grant.id());
        if (rows.size() != 1) {
            throw new AssertionError("expected one session on grant " + grant.id() + ", found " + rows.size());
        }
        return rows.get(0).getUUID("id");
    }

    public record Vendor(Principal principal, VendorSsh ssh) {
    }
}
