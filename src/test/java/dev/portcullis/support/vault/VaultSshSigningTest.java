package dev.portcullis.support.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.support.OpenSshTarget;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssh/sign} issues real OpenSSH user certificates: a real {@code sshd} that trusts the CA key
 * served at {@code ssh/public_key} lets the real {@code ssh} client in with them, for exactly the
 * principals signed; requests outside the role are refused with Vault's messages.
 */
class VaultSshSigningTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String LOGIN = "root";
    // A status only the remote shell produces: ssh's own failures exit 255.
    private static final String COMMAND = "echo hello; exit 7";

    @TempDir
    static Path shared;

    private static VaultTestServer vault;
    private static OpenSshTarget target;
    private static RawVault http;
    private static String signer;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        vault = VaultTestServer.start(null, VaultTestServer.Options.defaults());
        vault.sshRole("broker", new SshRole(List.of("root", "deploy"), Map.of("permit-pty", ""),
                Set.of("permit-pty", "permit-port-forwarding"), Duration.ofMinutes(30)).withAllowUserKeyIds(true));
        vault.sshRole("no-key-ids", new SshRole(List.of("root"), Map.of(), Set.of(), Duration.ofMinutes(30)));
        vault.sshRole("hosts", new SshRole(List.of("*"), Map.of(), Set.of(), Duration.ofMinutes(30))
                .withCertificateTypes(false, true).withCriticalOptions(Map.of(), Set.of()));
        vault.sshRole("any", new SshRole(List.of("*"), Map.of("permit-pty", ""), Set.of("*"), Duration.ofMinutes(30))
                .withAllowUserKeyIds(true).withCriticalOptions(Map.of(), Set.of("force-command")));
        vault.policy("signer", Policy.empty().allow("ssh/sign/*", "update"));
        signer = vault.token("signer");
        http = new RawVault(vault.baseUrl());

        // sshd trusts what the server serves, not what the Java accessor says.
        RawVault.Answer caKey = http.get("/v1/ssh/public_key", null);
        Path trusted = Files.writeString(shared.resolve("trusted_user_ca_keys"), caKey.body());
        target = OpenSshTarget.start(trusted);
    }

    @AfterAll
    static void stop() throws IOException {
        if (target != null) {
            target.close();
        }
        if (vault != null) {
            vault.close();
        }
    }

    @Test
    void caPublicKeyIsServedWithoutATokenAsOneTextLine() throws Exception {
        RawVault.Answer answer = http.get("/v1/ssh/public_key", null);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo("text/plain");
        assertThat(answer.body()).isEqualTo(vault.sshCaPublicKeyLine() + "\n").startsWith("ssh-ed25519 AAAA");
    }

    @Test
    void signedCertificateLogsInThroughTheRealSshClientAndSshd() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        RawVault.Answer signed = sign("broker", request(key).put("valid_principals", LOGIN).put("ttl", "300s")
                .put("key_id", "session-42 grant-7"));
        assertThat(signed.status()).as(signed.toString()).isEqualTo(200);
        assertThat(signed.contentType()).isEqualTo("application/json");
        String serialHex = signed.data().getString("serial_number");
        int mark = target.logMark();

        Run run = openSsh(key, signed.data().getString("signed_key"), LOGIN);

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(7);
        assertThat(run.stdout()).isEqualTo("hello\n");
        String accepted = target.awaitLogLine(mark, l -> l.contains("Accepted publickey for " + LOGIN), DEADLINE);
        assertThat(accepted).contains("ID session-42 grant-7 (serial " + Long.toUnsignedString(Long.parseUnsignedLong(serialHex, 16)) + ")");
    }

    @Test
    void sshdRefusesTheCertificateForAPrincipalItWasNotSignedFor() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        RawVault.Answer signed = sign("broker", request(key).put("valid_principals", "deploy").put("ttl", "300s"));
        assertThat(signed.status()).as(signed.toString()).isEqualTo(200);

        Run run = openSsh(key, signed.data().getString("signed_key"), LOGIN);

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(255);
        assertThat(run.stderr()).contains("Permission denied");
    }

    @Test
    void certificateCarriesWhatWasAskedAndVaultsValidityWindow() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        Instant before = Instant.now();
        RawVault.Answer signed = sign("any", request(key).put("valid_principals", "deploy,alice,deploy").put("ttl", "15m")
                .put("cert_type", "user").put("key_id", "k-1")
                .put("extensions", new JsonObject().put("permit-pty", "").put("permit-agent-forwarding", ""))
                .put("critical_options", new JsonObject().put("force-command", "/bin/true")));
        Instant after = Instant.now();
        assertThat(signed.status()).as(signed.toString()).isEqualTo(200);

        OpenSshCertificate cert = certificate(signed.data().getString("signed_key"));
        String serial = signed.data().getString("serial_number");
        assertThat(serial).matches("[0-9a-f]+").doesNotStartWith("0");
        assertThat(cert.getSerial()).isEqualTo(Long.parseUnsignedLong(serial, 16));
        assertThat(cert.getType()).isEqualTo(OpenSshCertificate.Type.USER);
        assertThat(cert.getId()).isEqualTo("k-1");
        assertThat(cert.getPrincipals()).containsExactly("alice", "deploy");
        assertThat(cert.getExtensionsMap()).containsOnlyKeys("permit-agent-forwarding", "permit-pty");
        assertThat(cert.getCriticalOptionsMap()).containsExactly(Map.entry("force-command", "/bin/true"));
        assertThat(cert.getValidAfter()).isBetween(before.getEpochSecond() - 30, after.getEpochSecond() - 30);
        assertThat(cert.getValidBefore()).isBetween(before.getEpochSecond() + 900, after.getEpochSecond() + 900);
        assertThat(KeyUtils.compareKeys(cert.getCaPubKey(),
                PublicKeyEntry.parsePublicKeyEntry(vault.sshCaPublicKeyLine()).resolvePublicKey(null, null, null))).isTrue();
        assertThat(KeyUtils.compareKeys(cert.getCertPubKey(), key.getPublic())).isTrue();
        assertThat(signed.json().getString("lease_id")).isEmpty();
        assertThat(signed.json().getInteger("lease_duration")).isZero();
    }

    @Test
    void roleDefaultsApplyWhenTheCallerAsksForNone() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        Instant before = Instant.now();

        RawVault.Answer signed = sign("no-key-ids", request(key).put("valid_principals", LOGIN));

        assertThat(signed.status()).as(signed.toString()).isEqualTo(200);
        OpenSshCertificate cert = certificate(signed.data().getString("signed_key"));
        // No ttl: the role's maximum; no key_id: vault-<token display name>-<sha256 of the key>.
        assertThat(cert.getValidBefore()).isGreaterThanOrEqualTo(before.getEpochSecond() + 1800);
        assertThat(cert.getId()).matches("vault-token-[0-9a-f]{64}");
        assertThat(cert.getExtensionsMap()).isEmpty();
    }

    @Test
    void hostCertificateWhenTheRoleAllowsOnlyHosts() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);

        RawVault.Answer host = sign("hosts", request(key).put("cert_type", "host").put("valid_principals", "db.example"));
        RawVault.Answer user = sign("hosts", request(key).put("valid_principals", "db.example"));

        assertThat(host.status()).as(host.toString()).isEqualTo(200);
        assertThat(certificate(host.data().getString("signed_key")).getType()).isEqualTo(OpenSshCertificate.Type.HOST);
        assertRefused(user, "cert_type 'user' is not allowed by role");
    }

    @Test
    void requestsOutsideTheRoleAreRefusedWithVaultsMessages() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);

        assertRefused(sign("broker", request(key).put("valid_principals", LOGIN).put("ttl", "31m")),
                "ttl is larger than maximum allowed 1800");
        assertRefused(sign("broker", request(key).put("valid_principals", "root,mallory")),
                "mallory is not a valid value for valid_principals");
        assertRefused(sign("broker", request(key).put("valid_principals", LOGIN)
                .put("extensions", new JsonObject().put("permit-pty", "").put("permit-X11-forwarding", ""))),
                "extensions [permit-X11-forwarding] are not on allowed list");
        assertRefused(sign("broker", new JsonObject().put("valid_principals", LOGIN)), "missing public_key");
        assertRefused(sign("broker", new JsonObject().put("public_key", "ssh-ed25519 not-base64").put("valid_principals", LOGIN)),
                "failed to parse public_key as SSH key");
        assertRefused(sign("broker", request(key)), "empty valid principals not allowed by role");
        assertRefused(sign("no-key-ids", request(key).put("valid_principals", LOGIN).put("key_id", "mine")),
                "setting key_id is not allowed by role");
        assertRefused(sign("any", request(key).put("valid_principals", LOGIN)
                .put("critical_options", new JsonObject().put("source-address", "10.0.0.1"))),
                "critical options not on allowed list: [source-address]");
        assertRefused(sign("broker", request(key).put("valid_principals", LOGIN).put("cert_type", "both")),
                "cert_type must be either 'user' or 'host'");
        assertRefused(sign("nobody", request(key).put("valid_principals", LOGIN)), "Unknown role: nobody");
        assertRefused(sign("broker", request(key).put("valid_principals", LOGIN).put("extensions", "{permit-pty=}")),
                "error converting input {permit-pty=} for field \"extensions\"");
    }

    @Test
    void signingNeedsATokenWhosePolicyCoversTheRole() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        String readOnly = vault.token();

        RawVault.Answer withoutToken = http.post("/v1/ssh/sign/broker", null, request(key).put("valid_principals", LOGIN));
        RawVault.Answer withoutPolicy = http.post("/v1/ssh/sign/broker", readOnly, request(key).put("valid_principals", LOGIN));

        assertThat(withoutToken.status()).isEqualTo(403);
        assertThat(withoutToken.body()).isEqualTo("{\"errors\":[\"permission denied\"]}");
        assertThat(withoutPolicy.status()).isEqualTo(403);
    }

    private static JsonObject request(KeyPair key) {
        return new JsonObject().put("public_key", PublicKeyEntry.toString(key.getPublic()));
    }

    private static RawVault.Answer sign(String role, JsonObject body) throws Exception {
        return http.post("/v1/ssh/sign/" + role, signer, body);
    }

    private static void assertRefused(RawVault.Answer answer, String message) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
        assertThat(answer.contentType()).isEqualTo("application/json");
        assertThat(answer.json().getJsonArray("errors").getString(0)).as(answer.toString()).startsWith(message);
    }

    private static OpenSshCertificate certificate(String signedKey) throws Exception {
        return (OpenSshCertificate) PublicKeyEntry.parsePublicKeyEntry(signedKey.trim()).resolvePublicKey(null, null, null);
    }

    record Run(int exitStatus, String stdout, String stderr) {
    }

    private Run openSsh(KeyPair key, String signedKey, String login) throws Exception {
        Path dir = Files.createTempDirectory(work, "client-");
        Path keyFile = dir.resolve("id");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(keyFile)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "ephemeral", null, out);
        }
        Path certFile = Files.writeString(dir.resolve("id-cert.pub"), signedKey);
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), target.knownHostsLine() + "\n");
        Process ssh = new ProcessBuilder("ssh", "-F", "/dev/null",
                "-i", keyFile.toString(), "-o", "CertificateFile=" + certFile,
                "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
                "-p", Integer.toString(target.port()), login + "@" + target.host(), COMMAND)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(ssh.getErrorStream()));
        String stdout = readAll(ssh.getInputStream());
        if (!ssh.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            ssh.destroyForcibly();
            throw new AssertionError("ssh did not finish within " + DEADLINE);
        }
        return new Run(ssh.exitValue(), stdout, stderr.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
