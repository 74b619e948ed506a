package dev.portcullis.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Key lines and fingerprints below were made with OpenSSH's ssh-keygen (the fingerprints are what
 * {@code ssh-keygen -lf} printed); the two security-key lines were assembled by hand and fingerprinted
 * the same way.
 */
class SshKeysTest {

    static final String ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDL9eRPaN3GCh89hjX6aEwpKYsgUk0NyrYE5DqaoRotl";
    static final String RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDNxpEsl9hDAXhCSW9rM7bRMskG7qVG1d/KPoL2QbkMEBlPViI7WMwO"
            + "+b5BYOD0P7EvIJS/orQ0R69ufX4z8MzVYiZGVacuKQrMVLv1VJPCOIl+LGxfAhU2fipV5rZM3cp5cqytSAVuwNmcZgNItD4sTlVFiQx7zCJN"
            + "pVvsLDIsGekmrcim2OivaHD1Y+Rp2Qnu+L6urNn5GVcywMoLm3ARaHqXCuM1pKEjwjsqGSI+lXCmwzPLBicOssV0jtmOhcKQoeZjlueAdwqQ"
            + "QfT5OUTLdbod4FufKsHBKSbSCdishMndFepLr0v/o8R+B8hYFX/ZYTq+Nl6OJncaDj0vqS0d";
    static final String ECDSA_256 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBK8KWYTv9wBa"
            + "iAavzWaAK980UcXgz9IyAsiOhIm/rJQBpluo24ohiFY+uTZkHYWw6brqwTaFaA4ntCTBPRFNSrw=";
    static final String ECDSA_384 = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBLXVky7o1x1z"
            + "UzM2nMJgc9SN3yWUKUdhkaGDpH0CJcsW+0yI+6LBuPvSb4022ZUL6MbjJKKn3tSlxMtmijPH9csKw5cYWNEog56ZM2HjLqo3fmbLK0HxuIog"
            + "o7z6HChJlQ==";
    static final String ECDSA_521 = "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADE5NQurPQA"
            + "Kcw5o1TgeboVmRzwM/gqHvtNDKvbcjGi9hG1eyvd5vEcOiE+8aUGpfnwiHGl7j0XuYIZq1iwKsaytwFHAFFaKwklB7T32MNPHXT/8Lm0M2FL"
            + "hH2WQH/ikTpLFnjweCuL0IW9AdtfMUKVhcdwvPWDZNJhou1OLXFGOy09/Q==";
    static final String SK_ED25519 = "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAECAwQFBgcI"
            + "CQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gAAAABHNzaDo=";
    static final String SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20A"
            + "AAAIbmlzdHAyNTYAAABBBK8KWYTv9wBaiAavzWaAK980UcXgz9IyAsiOhIm/rJQBpluo24ohiFY+uTZkHYWw6brqwTaFaA4ntCTBPRFNSrwAAA"
            + "AEc3NoOg==";

    static Stream<Arguments> keys() {
        return Stream.of(
                Arguments.of(ED25519, "SHA256:OFGT/pbVBBcRR2nTteKwEovDsTGV3tGbczlM4pPekIU"),
                Arguments.of(RSA, "SHA256:qG4pvXYi+h6649hYOCa9liG7ZiojHWz15iVGUcAQ/Kc"),
                Arguments.of(ECDSA_256, "SHA256:wXtvnojr5UL6HTHZutzhI6Yp7zmYGbzZNFuAv/KYwiA"),
                Arguments.of(ECDSA_384, "SHA256:529PYJj0KNk4BLpmS+GtKtJ+dyZkDEcZL0ZN1Kb+mOg"),
                Arguments.of(ECDSA_521, "SHA256:weK3Ca0UO7A+4daMx9bg8glxXwjtGQKdUN6+wnToCeE"),
                Arguments.of(SK_ED25519, "SHA256:nX0hpi5mKbTIJ10yBq5/sLQhiI1Y0RBAqN0drDdgJWs"),
                Arguments.of(SK_ECDSA, "SHA256:tQWPryl2gCc6N0kxaXog0cs9paicd+3lxiuPeEpUJCg"));
    }

    private static byte[] blob(String line) {
        return Base64.getDecoder().decode(line.split(" ")[1]);
    }

    private static String line(String type, byte[] blob) {
        return type + " " + Base64.getEncoder().encodeToString(blob);
    }

    private static byte[] sshString(byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) (value.length >>> 24), (byte) (value.length >>> 16),
                (byte) (value.length >>> 8), (byte) value.length});
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    // --- valid keys ---

    @ParameterizedTest
    @MethodSource("keys")
    void keyLineParsesToCanonicalFormWithTheOpenSshFingerprint(String key, String fingerprint) {
        SshKeys.Parsed parsed = SshKeys.parse(key + " someone@example");

        assertThat(parsed.line()).isEqualTo(key);
        assertThat(parsed.fingerprint()).isEqualTo(fingerprint);
    }

    @ParameterizedTest
    @MethodSource("keys")
    void commentAndSurroundingWhitespaceAreDropped(String key, String fingerprint) {
        String[] parts = key.split(" ");
        SshKeys.Parsed parsed = SshKeys.parse("  \t" + parts[0] + " \t " + parts[1] + "   a comment with spaces \n");

        assertThat(parsed.line()).isEqualTo(key);
        assertThat(parsed.fingerprint()).isEqualTo(fingerprint);
        assertThat(SshKeys.parse(key)).isEqualTo(parsed);
    }

    @Test
    void fingerprintIsUnpaddedBase64OfTheSha256OfTheBlob() throws Exception {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(blob(ED25519));
        String expected = "SHA256:" + Base64.getEncoder().encodeToString(digest).replace("=", "");

        assertThat(SshKeys.fingerprint(blob(ED25519))).isEqualTo(expected).doesNotEndWith("=");
    }

    /** Fresh keys from this machine's ssh-keygen, when it has one: the fingerprints must agree (small RSA: it only has to be quick). */
    @Test
    void fingerprintsAgreeWithSshKeygenOnFreshKeys(@TempDir Path dir) throws Exception {
        assumeThat(sshKeygenAvailable()).as("ssh-keygen on PATH").isTrue();
        List<String[]> kinds = List.of(new String[]{"ed25519"}, new String[]{"ecdsa", "-b", "384"},
                new String[]{"rsa", "-b", "1024"});
        for (String[] kind : kinds) {
            Path key = dir.resolve("id_" + kind[0]);
            List<String> generate = new ArrayList<>(List.of("ssh-keygen", "-q", "-N", "", "-C", "test", "-f", key.toString(), "-t"));
            generate.addAll(Arrays.asList(kind));
            run(generate);
            String publicLine = Files.readString(Path.of(key + ".pub"));
            String[] listed = run(List.of("ssh-keygen", "-lf", key + ".pub")).split(" ");

            SshKeys.Parsed parsed = SshKeys.parse(publicLine);
            assertThat(parsed.fingerprint()).as(kind[0]).isEqualTo(listed[1]);
            assertThat(publicLine).startsWith(parsed.line() + " ");
        }
    }

    private static boolean sshKeygenAvailable() {
        try {
            Process p = new ProcessBuilder("ssh-keygen", "-?").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
        return out.trim();
    }

    // --- refusals ---

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIDL9eRPaN3GCh89hjX6aEwpKYsgUk0NyrYE5DqaoRotl",
            "hello world", "-----BEGIN OPENSSH PRIVATE KEY-----"})
    void garbageIsRefused(String text) {
        assertThatThrownBy(() -> SshKeys.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an OpenSSH public key line");
    }

    @Test
    void unsupportedKeyTypesAreRefused() {
        String dsa = "ssh-dss " + Base64.getEncoder().encodeToString(sshString("ssh-dss".getBytes(StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> SshKeys.parse(dsa)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SshKeys.parse("SSH-ED25519 " + ED25519.split(" ")[1])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void authorizedKeysOptionsBeforeTheTypeAreRefused() {
        assertThatThrownBy(() -> SshKeys.parse("from=\"10.0.0.0/8\" " + ED25519))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedBase64IsRefused() {
        assertThatThrownBy(() -> SshKeys.parse("ssh-ed25519 AAAA!!!!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("base64");
        assertThatThrownBy(() -> SshKeys.parse("ssh-ed25519 " + ED25519.split(" ")[1].substring(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blobOfAnotherTypeIsRefused() {
        assertThatThrownBy(() -> SshKeys.parse("ssh-rsa " + ED25519.split(" ")[1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match its type ssh-rsa");
        assertThatThrownBy(() -> SshKeys.parse("ecdsa-sha2-nistp384 " + ECDSA_256.split(" ")[1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match");
        assertThatThrownBy(() -> SshKeys.parse("ssh-ed25519 " + SK_ED25519.split(" ")[1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match");
    }

    @Test
    void blobShorterThanItsTypeHeaderIsRefused() {
        byte[] header = Arrays.copyOf(blob(ED25519), 6);
        assertThatThrownBy(() -> SshKeys.parse(line("ssh-ed25519", header)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> SshKeys.parse(line("ssh-ed25519", new byte[0])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("keys")
    void blobCutShortAnywhereIsRefused(String key) {
        String type = key.split(" ")[0];
        byte[] whole = blob(key);
        for (int length = 0; length < whole.length; length++) {
            String cut = line(type, Arrays.copyOf(whole, length));
            assertThatThrownBy(() -> SshKeys.parse(cut)).as("%s cut to %d bytes", type, length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void typeHeaderAloneIsATruncatedKey() {
        byte[] onlyType = sshString("ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> SshKeys.parse(line("ssh-ed25519", onlyType)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
    }

    @ParameterizedTest
    @MethodSource("keys")
    void trailingBytesAfterTheKeyAreRefused(String key) {
        String type = key.split(" ")[0];
        String padded = line(type, concat(blob(key), new byte[]{0, 0, 0, 0}));
        assertThatThrownBy(() -> SshKeys.parse(padded)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fieldLengthPointingPastTheEndIsRefused() {
        byte[] bad = concat(sshString("ssh-ed25519".getBytes(StandardCharsets.US_ASCII)),
                new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, new byte[32]);
        assertThatThrownBy(() -> SshKeys.parse(line("ssh-ed25519", bad)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void ed25519KeyOfTheWrongSizeIsRefused() {
        byte[] shortKey = concat(sshString("ssh-ed25519".getBytes(StandardCharsets.US_ASCII)), sshString(new byte[31]));
        assertThatThrownBy(() -> SshKeys.parse(line("ssh-ed25519", shortKey))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ecdsaKeyNamingAnotherCurveIsRefused() {
        byte[] whole = blob(ECDSA_256);
        byte[] otherCurve = whole.clone();
        // the curve name "nistp256" follows the 4+19 byte type and its own 4-byte length
        otherCurve[4 + 19 + 4 + 7] = '4';
        otherCurve[4 + 19 + 4 + 6] = '8';
        otherCurve[4 + 19 + 4 + 5] = '3';
        assertThat(new String(otherCurve, 4 + 19 + 4, 8, StandardCharsets.US_ASCII)).isEqualTo("nistp384");
        assertThatThrownBy(() -> SshKeys.parse(line("ecdsa-sha2-nistp256", otherCurve)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
