package dev.portcullis.bench;

import dev.portcullis.credentials.local.LocalSshCertificateAuthority;
import dev.portcullis.credentials.local.SshUserCertificate;
import dev.portcullis.domain.Principal;
import dev.portcullis.gateway.ssh.SshGateway;
import dev.portcullis.support.OpenSshTarget;
import dev.portcullis.support.StandInBroker;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.portcullis.support.StandInBroker.await;

/**
 * The broker side of {@code bench/ssh-bench.sh}: the stand-in broker core with the SSH gateway, a target sshd
 * and a jump sshd (both trusting the broker's CA), a vendor key with a certificate for direct and ProxyJump
 * runs, and a grant for the gateway runs. Then it answers commands on stdin, one per line, with one line
 * starting {@code BENCH} on stdout:
 * <pre>
 *   grant SECONDS   → BENCH grant TARGET NOT_AFTER_EPOCH_MILLIS   (a fresh target, one grant ending then)
 *   stats           → BENCH stats HEAP_USED_BYTES RSS_BYTES LIVE_SESSIONS   (after a full GC)
 *   live            → BENCH live LIVE_SESSIONS
 *   ended TARGET    → BENCH ended COUNT LAST_ENDED_EPOCH_MILLIS    (sessions ended on that target's grant)
 *   cut TARGET      → BENCH cut COUNT LAST_CUT_EPOCH_MILLIS        (vendors disconnected by the gateway's cut)
 *   quit
 * </pre>
 */
public final class SshBenchBroker {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        StandInBroker broker = StandInBroker.start(dir.resolve("data"));
        LocalSshCertificateAuthority ca = broker.harness.broker().certificateAuthority();
        OpenSshTarget target = OpenSshTarget.start(dir.resolve("data/ca/ssh_user_ca.pub"));
        OpenSshTarget jump = OpenSshTarget.start(dir.resolve("data/ca/ssh_user_ca.pub"));
        SshGateway gateway = broker.gateway();

        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        Path keyFile = dir.resolve("id");
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(keyFile)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "bench", null, out);
        }
        // For the direct and ProxyJump runs the vendor holds a certificate for root, as if Portcullis did not exist.
        SshUserCertificate cert = ca.certify(key.getPublic(), List.of("root"), "bench-direct", Instant.now().plus(Duration.ofHours(2)));
        Files.writeString(dir.resolve("id-cert.pub"), cert.openSshLine() + "\n");
        Files.writeString(dir.resolve("known_hosts"), target.knownHostsLine() + "\n" + jump.knownHostsLine() + "\n"
                + "[127.0.0.1]:" + gateway.port() + " " + gateway.hostKeyLine() + "\n");
        Principal vendor = broker.vendor("bench", PublicKeyEntry.toString(key.getPublic()));
        String main = "bench-main";
        broker.sshTarget(main, "quiet", target.host(), target.port(), target.hostKeyLine());
        broker.grant(vendor, main, Map.of("principals", List.of("root"), "interactive", true),
                Instant.now().minusSeconds(1), Instant.now().plus(Duration.ofHours(2)), 100_000);

        Map<String, String> grantOfTarget = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, long[]> cuts = new java.util.concurrent.ConcurrentHashMap<>();
        broker.vertx.eventBus().<io.vertx.core.json.JsonObject>consumer(SshGateway.SESSIONS_ADDRESS, m -> {
            if ("CUT".equals(m.body().getString("state"))) {
                long at = Instant.parse(m.body().getString("at")).toEpochMilli();
                cuts.compute(m.body().getString("grant"), (g, c) -> c == null ? new long[]{1, at} : new long[]{c[0] + 1, Math.max(c[1], at)});
            }
        });
        reply("ready " + gateway.port() + " " + target.port() + " " + jump.port() + " " + ProcessHandle.current().pid());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int targets = 0;
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.trim().split("\\s+");
            switch (cmd[0]) {
                case "grant" -> {
                    String name = "bench-cut-" + (++targets);
                    broker.sshTarget(name, "quiet", target.host(), target.port(), target.hostKeyLine());
                    Instant notAfter = Instant.now().plusSeconds(Long.parseLong(cmd[1]));
                    var cutGrant = broker.grant(vendor, name, Map.of("principals", List.of("root"), "interactive", true),
                            Instant.now().minusSeconds(1), notAfter, 100_000);
                    grantOfTarget.put(name, cutGrant.id().toString());
                    reply("grant " + name + " " + notAfter.toEpochMilli());
                }
                case "stats" -> {
                    System.gc();
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    long rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                            .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(-1);
                    reply("stats " + heap + " " + rss + " " + gateway.liveSessions());
                }
                case "cut" -> {
                    long[] c = cuts.getOrDefault(grantOfTarget.getOrDefault(cmd[1], "?"), new long[]{0, 0});
                    reply("cut " + c[0] + " " + c[1]);
                }
                case "live" -> reply("live " + gateway.liveSessions());
                case "ended" -> {
                    Row row = await(broker.database.pool().preparedQuery("SELECT count(*) AS n, "
                            + "(extract(epoch FROM max(s.ended_at)) * 1000)::bigint AS last FROM sessions s "
                            + "JOIN grants g ON g.id = s.grant_id JOIN targets t ON t.id = g.target_id "
                            + "WHERE t.name = $1 AND s.state = 'ENDED'").execute(Tuple.of(cmd[1]))).iterator().next();
                    Long last = row.getLong("last");
                    reply("ended " + row.getLong("n") + " " + (last == null ? 0 : last));
                }
                case "quit" -> {
                    await(gateway.close());
                    target.close();
                    jump.close();
                    broker.close();
                    reply("bye");
                    System.exit(0);
                }
                default -> reply("error unknown command " + line);
            }
        }
    }

    private static void reply(String line) {
        System.out.println("BENCH " + line);
        System.out.flush();
    }

    private SshBenchBroker() {
    }

}
