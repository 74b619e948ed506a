package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.support.VendorSsh;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Every session is recorded as asciicast v2 that asciinema replays as the vendor saw it; its digest is ledgered. */
class SshGatewayRecordingTest {

    // The emoji's four bytes leave the target in two writes 0.3 s apart, so they cross the gateway in two packets.
    private static final String SCRIPT = "printf 'h\\303\\251llo w\\303\\266rld \\342\\234\\223 '; printf '\\360\\237'; sleep 0.3; "
            + "printf '\\216\\211 \\346\\227\\245\\346\\234\\254\\n'; exit\n";

    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
    }

    @Test
    void recordingReplaysExactlyWhatTheVendorSawIncludingSplitMultiByteCharacters() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run(target, List.of("-tt"), null, SCRIPT.getBytes(StandardCharsets.UTF_8));
        UsedSession.awaitEnded(fx, grant);
        UUID session = fx.onlySession(grant);
        Path cast = fx.gateway.recording(session);

        assertThat(run.stdout()).as(run.toString()).contains("héllo wörld ✓ 🎉 日本");
        byte[] replayed = asciinemaCat(cast);
        assertThat(new String(replayed, StandardCharsets.UTF_8)).isEqualTo(run.stdout()).doesNotContain("\uFFFD");
        assertThat(replayed).isEqualTo(run.stdoutBytes());

        List<String> lines = Files.readAllLines(cast);
        assertThat(lines.get(0)).startsWith("{\"version\": 2, ").contains("\"TERM\": \"xterm-256color\"");
        assertThat(lines.stream().skip(1).map(JsonArray::new).map(a -> a.getString(1))).contains("o", "i");
        assertThat(lines).anyMatch(l -> l.contains("🎉"));

        LedgerChain.Entry ended = fx.awaitLedger("session:" + session, e -> "session.ended".equals(e.type()));
        Map<String, Object> payload = SshGatewayRefusalTest.payload(ended);
        @SuppressWarnings("unchecked")
        Map<String, Object> recording = (Map<String, Object>) payload.get("recording");
        byte[] file = Files.readAllBytes(cast);
        assertThat(recording.get("sha256")).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file)));
        assertThat(((Number) recording.get("bytes")).longValue()).isEqualTo(file.length);
        assertThat(((Number) payload.get("bytesToVendor")).longValue()).isEqualTo(run.stdoutBytes().length);
        assertThat(((Number) payload.get("bytesFromVendor")).longValue()).isEqualTo(SCRIPT.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void keystrokesAreLeftOutWhereThePolicyDoesNotRecordInput() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("quiet");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run(target, List.of(), "cat", "secret-typed-text\n".getBytes(StandardCharsets.UTF_8));
        UsedSession.awaitEnded(fx, grant);
        List<String> lines = Files.readAllLines(fx.gateway.recording(fx.onlySession(grant)));

        assertThat(run.stdout()).isEqualTo("secret-typed-text\n");
        assertThat(lines.stream().skip(1).map(JsonArray::new).map(a -> a.getString(1))).containsOnly("o");
        assertThat(lines).anyMatch(l -> l.contains("\"o\", \"secret-typed-text\\n\""));
    }

    /** {@code asciinema cat} reads /dev/tty, so it runs under script(1), whose terminal it puts in raw mode. */
    private static byte[] asciinemaCat(Path cast) throws Exception {
        Process p = new ProcessBuilder("script", "-qec", "asciinema cat " + cast, "/dev/null")
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return out;
    }
}
