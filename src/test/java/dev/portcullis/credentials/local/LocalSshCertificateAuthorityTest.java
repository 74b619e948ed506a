package dev.portcullis.credentials.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.portcullis.support.OpenSshTarget;

class LocalSshCertificateAuthorityTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String LOGIN = "root";
    // A non-zero status only the remote shell produces: ssh's own failures exit 255.
    private static final String COMMAND = "echo hello; exit 7";
    private static final AtomicInteger KEY_IDS = new AtomicInteger();

    @TempDir
    static Path shared;

    private static LocalSshCertificateAuthority ca;
    private static OpenSshTarget target;

    @TempDir
    Path work;

    @BeforeAll
    static void startTarget() throws Exception {
        ca = LocalSshCertificateAuthority.open(shared.resolve("ca"));
        Path trusted = Files.writeString(shared.resolve("trusted_user_ca_keys"), ca.publicKeyLine() + "\n");
        target = OpenSshTarget.start(trusted);
    }

    @AfterAll
    static void stopTarget() throws IOException {
        if (target != null) {
            target.close();
        }
    }

    // --- against a real sshd ---------------------------------------------------------------

    @Test
    void openSshClientLogsInWithCertifiedEphemeralKey() throws Exception {
        KeyPair ephemeral = newKeyPair(KeyPairProvider.SSH_ED25519, 256);
        SshUserCertificate cert = ca.certify(ephemeral.getPublic(), List.of(LOGIN), keyId(), inFiveMinutes());
        int mark = target.logMark();

        Run run = openSsh(ephemeral, cert, LOGIN, COMMAND);

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(7);
        assertThat(run.stdout()).isEqualTo("hello\n");
        // sshd names the certificate it accepted: the serial and key id the ledger will carry.
        String accepted = target.awaitLogLine(mark, l -> l.contains("Accepted publickey for " + LOGIN), DEADLINE);
        assertThat(accepted).contains("ID " + cert.certificate().getId() + " (serial " + cert.serialText() + ")");
    }

    @Test
    void minaClientLogsInWithCertificateAndPinnedHostKey() throws Exception {
        KeyPair ephemeral = newKeyPair(KeyPairProvider.SSH_ED25519, 256);
        SshUserCertificate cert = ca.certify(ephemeral.getPublic(), List.of(LOGIN), keyId(), inFiveMinutes());
        int mark = target.logMark();

        Run run = minaExec(ephemeral, cert, target.hostKey(), COMMAND);

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(7);
        assertThat(run.stdout()).isEqualTo("hello\n");
        String accepted = target.awaitLogLine(mark, l -> l.contains("Accepted publickey for " + LOGIN), DEADLINE);
        assertThat(accepted).contains("ED25519-CERT").contains("(serial " + cert.serialText() + ")");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"ssh-rsa, 3072", "ecdsa-sha2-nistp256, 256", "ecdsa-sha2-nistp384, 384", "ecdsa-sha2-nistp521, 521"})
    void minaClientLogsInWithCertifiedRsaAndEcdsaKeys(String keyType, int bits) throws Exception {
        KeyPair ephemeral = newKeyPair(keyType, bits);
        SshUserCertificate cert = ca.certify(ephemeral.getPublic(), List.of(LOGIN), keyId(), inFiveMinutes());

        Run run = minaExec(ephemeral, cert, target.hostKey(), COMMAND);

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(7);
        assertThat(run.stdout()).isEqualTo("hello\n");
    }

    @Test
    void minaClientRefusesTargetWhoseHostKeyIsNotThePinnedOne() throws Exception {
        KeyPair ephemeral = newKeyPair(KeyPairProvider.SSH_ED25519, 256);
        SshUserCertificate cert = ca.certify(ephemeral.getPublic(), List.of(LOGIN), keyId(), inFiveMinutes());
        PublicKey someOtherHost = newKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic();

        assertThatThrownBy(() -> minaExec(ephemeral, cert, someOtherHost, COMMAND))
                .hasStackTraceContaining("Server key did not validate");
    }

    @Test
    void sshdRefusesCertificateForAnotherPrincipal() throws Exception {
        KeyPair ephemeral = newKeyPair(KeyPairProvider.SSH_ED25519, 256);
        SshUserCertificate cert = ca.certify(ephemeral.getPublic(), List.of("someone-else"), keyId(), inFiveMinutes());
        int mark = target.logMark();

        Run run = openSsh(ephemeral, cert, LOGIN, COMMAND);

        assertRefused(run);
        target.awaitLogLine(mark, l -> l.contains("Certificate invalid: name is not a listed principal"), DEADLINE);
    }

    @Test
    void sshdRefusesExpiredCertificate() throws Exception {
        // The CA will not issue a certificate that is already expired, so issue it "ten minutes ago".
        Instant tenMinutesAgo = Instant.now().minus(10, ChronoUnit.MINUTES);
        LocalSshCertificateAuthority caInThePast =
                LocalSshCertificateAuthority.open(shared.resolve("ca"), Clock.fixed(tenMinutesAgo, ZoneOffset.UTC));
        KeyPair ephemeral = newKeyPair(KeyPairProvider.SSH_ED25519, 256);
        SshUserCertificate cert = caInThePast.certify(ephemeral.getPublic(), List.of(LOGIN), keyId(), tenMinutesAgo.plusSeconds(60));
        assertThat(cert.validBefore()).isBefore(Instant.now());
        int mark = target.logMark();

        Run run = openSsh(ephemeral, cert, LOGIN, COMMAND);

        assertRefused(run);
        target.awaitLogLine(mark, l -> l.contains("Certificate invalid: expired"), DEADLINE);
    }

    @Test
    void sshdRefusesCertificateFromAnotherCa() throws Exception {
        LocalSshCertificateAuthority otherCa = LocalSshCertificateAuthority.open(work.resolve("other-ca"));
        KeyPair ephemeral = newKeyPair(KeyPairProvider.SSH_ED25519, 256);
        SshUserCertificate cert = otherCa.certify(ephemeral.getPublic(), List.of(LOGIN), keyId(), inFiveMinutes());
        int mark = target.logMark();

        Run run = openSsh(ephemeral, cert, LOGIN, COMMAND);

        assertRefused(run);
        String failed = target.awaitLogLine(mark, l -> l.contains("Failed publickey for " + LOGIN) && l.contains("-CERT"), DEADLINE);
        assertThat(failed).contains("(serial " + cert.serialText() + ") CA ED25519 " + KeyUtils.getFingerPrint(otherCa.publicKey()));
        // The same key certified by the trusted CA gets in: the refusal was about the CA.
        SshUserCertificate trusted = ca.certify(ephemeral.getPublic(), List.of(LOGIN), keyId(), inFiveMinutes());
        assertThat(openSsh(ephemeral, trusted, LOGIN, COMMAND).exitStatus()).isEqualTo(7);
    }

    // --- the CA itself ---------------------------------------------------------------------

    @Test
    void caKeyPersistsInOwnerOnlyFile() throws Exception {
        Path dir = work.resolve("persist");
        LocalSshCertificateAuthority first = LocalSshCertificateAuthority.open(dir);
        LocalSshCertificateAuthority second = LocalSshCertificateAuthority.open(dir);

        assertThat(second.publicKeyLine()).isEqualTo(first.publicKeyLine()).startsWith("ssh-ed25519 AAAA");
        assertThat(KeyUtils.compareKeys(first.publicKey(), second.publicKey())).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ssh_user_ca")))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("ssh_user_ca"))).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        assertThat(Files.readString(dir.resolve("ssh_user_ca.pub")).strip()).isEqualTo(first.publicKeyLine());
        // A fresh directory is a fresh CA.
        assertThat(LocalSshCertificateAuthority.open(work.resolve("another")).publicKeyLine()).isNotEqualTo(first.publicKeyLine());
    }

    @Test
    void refusesCaKeyReadableByOthers() throws Exception {
        Path dir = work.resolve("loose");
        LocalSshCertificateAuthority.open(dir);
        Files.setPosixFilePermissions(dir.resolve("ssh_user_ca"), PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> LocalSshCertificateAuthority.open(dir)).hasMessageContaining("chmod 600");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"ssh-ed25519, 256, ssh-ed25519-cert-v01@openssh.com",
            "ssh-rsa, 2048, ssh-rsa-cert-v01@openssh.com",
            "ecdsa-sha2-nistp256, 256, ecdsa-sha2-nistp256-cert-v01@openssh.com",
            "ecdsa-sha2-nistp384, 384, ecdsa-sha2-nistp384-cert-v01@openssh.com",
            "ecdsa-sha2-nistp521, 521, ecdsa-sha2-nistp521-cert-v01@openssh.com"})
    void certifiesKeyWithExactlyTheRequestedTerms(String keyType, int bits, String certType) throws Exception {
        Instant now = Instant.parse("2030-01-02T03:04:05.678Z");
        LocalSshCertificateAuthority fixedCa = LocalSshCertificateAuthority.open(work.resolve("ca"), Clock.fixed(now, ZoneOffset.UTC));
        KeyPair user = newKeyPair(keyType, bits);
        Instant notAfter = now.plus(Duration.ofMinutes(42)).plusMillis(200); // 03:46:05.878

        SshUserCertificate issued = fixedCa.certify(user.getPublic(), List.of("deploy", "www"), "grant-17/session-3", notAfter,
                EnumSet.of(CertificateExtension.PERMIT_PTY));

        OpenSshCertificate cert = issued.certificate();
        assertThat(cert.getKeyType()).isEqualTo(certType);
        assertThat(cert.getType()).isEqualTo(OpenSshCertificate.Type.USER);
        assertThat(KeyUtils.compareKeys(cert.getCertPubKey(), user.getPublic())).isTrue();
        assertThat(KeyUtils.compareKeys(cert.getCaPubKey(), fixedCa.publicKey())).isTrue();
        assertThat(cert.getPrincipals()).containsExactly("deploy", "www");
        assertThat(cert.getId()).isEqualTo("grant-17/session-3");
        assertThat(cert.getSerial()).isEqualTo(issued.serial()).isNotZero();
        assertThat(cert.getValidAfter()).isEqualTo(Instant.parse("2030-01-02T03:03:35Z").getEpochSecond());
        assertThat(cert.getValidBefore()).isEqualTo(Instant.parse("2030-01-02T03:46:05Z").getEpochSecond());
        assertThat(issued.validAfter()).isEqualTo(Instant.ofEpochSecond(cert.getValidAfter()));
        assertThat(issued.validBefore()).isEqualTo(Instant.ofEpochSecond(cert.getValidBefore())).isBeforeOrEqualTo(notAfter);
        assertThat(cert.getExtensionsMap()).containsOnlyKeys("permit-pty");
        assertThat(cert.getCriticalOptions()).isEmpty();
        assertThat(cert.getSignatureAlgorithm()).isEqualTo("ssh-ed25519");
        assertThat(verifiesUnderCa(cert, fixedCa.publicKey())).isTrue();

        // The text line is the same certificate, as sshd and ssh read it from a -cert.pub file.
        PublicKey parsed = PublicKeyEntry.parsePublicKeyEntry(issued.openSshLine()).resolvePublicKey(null, null, null);
        assertThat(issued.openSshLine()).startsWith(certType + " ");
        assertThat(KeyUtils.compareKeys(parsed, cert)).isTrue();
    }

    @Test
    void grantsTheStandardExtensionsByDefault() throws Exception {
        SshUserCertificate issued = ca.certify(newKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic(),
                List.of(LOGIN), keyId(), inFiveMinutes());

        assertThat(issued.certificate().getExtensionsMap()).containsOnlyKeys("permit-X11-forwarding",
                "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc");
    }

    @Test
    void certifiesJdkGeneratedEd25519Key() throws Exception {
        KeyPair jdkKey = KeyPairGenerator.getInstance("Ed25519", "SunEC").generateKeyPair();

        SshUserCertificate issued = ca.certify(jdkKey.getPublic(), List.of(LOGIN), keyId(), inFiveMinutes());

        assertThat(issued.certificate().getKeyType()).isEqualTo("ssh-ed25519-cert-v01@openssh.com");
        assertThat(issued.certificate().getCertPubKey().getEncoded()).isEqualTo(jdkKey.getPublic().getEncoded());
    }

    @Test
    void serialsAreRandomAndNonZero() throws Exception {
        PublicKey key = newKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic();
        List<Long> serials = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            serials.add(ca.certify(key, List.of(LOGIN), keyId(), inFiveMinutes()).serial());
        }

        assertThat(serials).doesNotContain(0L).doesNotHaveDuplicates();
    }

    @Test
    void refusesCertificateWithoutPrincipals() throws Exception {
        PublicKey key = newKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic();

        // OpenSSH would accept such a certificate for any user.
        assertThatThrownBy(() -> ca.certify(key, List.of(), keyId(), inFiveMinutes()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.certify(key, List.of(" "), keyId(), inFiveMinutes()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesCertificateThatWouldBeBornExpired() throws Exception {
        PublicKey key = newKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic();

        assertThatThrownBy(() -> ca.certify(key, List.of(LOGIN), keyId(), Instant.now().minusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not after now");
    }

    // --- helpers ---------------------------------------------------------------------------

    private record Run(int exitStatus, String stdout, String stderr) {
    }

    private static void assertRefused(Run run) {
        // 255 is ssh's own failure status; the remote command never ran.
        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(255);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("Permission denied");
    }

    private Run openSsh(KeyPair key, SshUserCertificate cert, String login, String command) throws Exception {
        Path dir = Files.createTempDirectory(work, "client-");
        Path keyFile = dir.resolve("id");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(keyFile)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "ephemeral", null, out);
        }
        Path certFile = Files.writeString(dir.resolve("id-cert.pub"), cert.openSshLine() + "\n");
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), target.knownHostsLine() + "\n");

        Process ssh = new ProcessBuilder("ssh",
                "-F", "/dev/null", // no user or system client configuration
                "-i", keyFile.toString(),
                "-o", "CertificateFile=" + certFile,
                "-o", "IdentitiesOnly=yes",
                "-o", "IdentityAgent=none",
                "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=10",
                "-p", Integer.toString(target.port()),
                login + "@" + target.host(), command)
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

    private static Run minaExec(KeyPair key, SshUserCertificate cert, PublicKey pinnedHostKey, String command) throws Exception {
        SshClient client = SshClient.setUpDefaultClient();
        // The default client reads ~/.ssh/config and may load ~/.ssh/id_*: the broker must use
        // only the identity it was given, against only the host key it pinned.
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setServerKeyVerifier((session, address, serverKey) -> KeyUtils.compareKeys(pinnedHostKey, serverKey));
        client.start();
        try (ClientSession session = client.connect(LOGIN, target.host(), target.port()).verify(DEADLINE).getSession()) {
            // The certificate is presented by making it the public half of the identity.
            session.addPublicKeyIdentity(cert.asIdentity(key.getPrivate()));
            session.auth().verify(DEADLINE);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try (ChannelExec exec = session.createExecChannel(command)) {
                exec.setOut(out);
                exec.setErr(err);
                exec.open().verify(DEADLINE);
                Set<ClientChannelEvent> events = exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), DEADLINE);
                assertThat(events).contains(ClientChannelEvent.CLOSED);
                Integer status = exec.getExitStatus();
                assertThat(status).as("exit status").isNotNull();
                return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            }
        } finally {
            client.stop();
        }
    }

    private static boolean verifiesUnderCa(OpenSshCertificate cert, PublicKey caKey) throws Exception {
        Signature verifier = BuiltinSignatures.ed25519.create();
        verifier.initVerifier(null, caKey);
        verifier.update(null, cert.getMessage());
        return verifier.verify(null, cert.getRawSignature());
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyPair newKeyPair(String keyType, int bits) throws Exception {
        return KeyUtils.generateKeyPair(keyType, bits);
    }

    private static String keyId() {
        return "test-" + KEY_IDS.incrementAndGet();
    }

    private static Instant inFiveMinutes() {
        return Instant.now().plus(Duration.ofMinutes(5));
    }
}
