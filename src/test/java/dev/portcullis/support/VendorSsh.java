package dev.portcullis.support;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real OpenSSH client as a vendor runs it against the gateway: their own key, the broker's host key
 * pinned in a known_hosts file, no agent, no configuration files, batch mode.
 */
public final class VendorSsh {

    public static final Duration DEADLINE = Duration.ofSeconds(60);

    private final Path keyFile;
    private final Path knownHosts;
    private final int port;
    public final KeyPair key;
    /** Extra environment for the client, e.g. {@code SSH_AUTH_SOCK} for agent forwarding. */
    public final java.util.Map<String, String> environment = new java.util.concurrent.ConcurrentHashMap<>();

    private VendorSsh(KeyPair key, Path keyFile, Path knownHosts, int port) {
        this.key = key;
        this.keyFile = keyFile;
        this.knownHosts = knownHosts;
        this.port = port;
    }

    /** A vendor with a fresh key of {@code type} ({@code ssh-ed25519}, {@code ecdsa-sha2-nistp256}, {@code ssh-rsa}). */
    public static VendorSsh create(Path dir, String type, int bits, int gatewayPort, String gatewayHostKeyLine) throws Exception {
        Files.createDirectories(dir);
        KeyPair key = KeyUtils.generateKeyPair(type, bits);
        Path keyFile = dir.resolve("id");
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(keyFile)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "vendor", null, out);
        }
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + gatewayPort + " " + gatewayHostKeyLine + "\n");
        return new VendorSsh(key, keyFile, knownHosts, gatewayPort);
    }

    public String publicKeyLine() {
        return PublicKeyEntry.toString(key.getPublic());
    }

    /** The command line for {@code ssh [extra…] login@127.0.0.1 [command]}. */
    public List<String> command(String login, List<String> extra, String remoteCommand) {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-i", keyFile.toString(),
                // No agent, unless a test hands one for forwarding (IdentityAgent=none would hide it from -A too).
                "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=" + environment.getOrDefault("SSH_AUTH_SOCK", "none"), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-p", Integer.toString(port)));
        cmd.addAll(extra);
        cmd.add(login + "@127.0.0.1");
        if (remoteCommand != null) {
            cmd.add(remoteCommand);
        }
        return cmd;
    }

    public record Run(int exitStatus, byte[] stdoutBytes, String stderr) {
        public String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exitStatus + "\n--- stdout ---\n" + stdout() + "\n--- stderr ---\n" + stderr;
        }
    }

    public Run run(String login, String remoteCommand, String... extra) throws Exception {
        return run(login, List.of(extra), remoteCommand, null);
    }

    /** Runs to completion, feeding {@code stdin} (or nothing). */
    public Run run(String login, List<String> extra, String remoteCommand, byte[] stdin) throws Exception {
        Running running = start(login, extra, remoteCommand, stdin == null ? null : Files.write(Files.createTempFile("stdin", ".bin"), stdin));
        return running.await(DEADLINE);
    }

    public Running start(String login, List<String> extra, String remoteCommand, Path stdinFile) throws IOException {
        return start(login, extra, remoteCommand, stdinFile, true);
    }

    /** Starts the client with its stdin a pipe ({@code process.getOutputStream()}) and stdout left to the caller. */
    public Running startTyping(String login, List<String> extra, String remoteCommand) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(login, extra, remoteCommand));
        builder.environment().put("TERM", "xterm-256color");
        builder.environment().put("LANG", "C.UTF-8");
        builder.environment().putAll(environment);
        return new Running(builder.start(), false);
    }

    /** With {@code drainStdout} false the caller reads {@code process.getInputStream()} itself. */
    public Running start(String login, List<String> extra, String remoteCommand, Path stdinFile, boolean drainStdout)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(login, extra, remoteCommand));
        builder.redirectInput(stdinFile == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())
                : ProcessBuilder.Redirect.from(stdinFile.toFile()));
        builder.environment().put("TERM", "xterm-256color");
        builder.environment().put("LANG", "C.UTF-8");
        builder.environment().putAll(environment);
        return new Running(builder.start(), drainStdout);
    }

    /** A client still running: its output is drained continuously. */
    public static final class Running {
        public final Process process;
        private final CompletableFuture<byte[]> stdout;
        private final StderrLines stderr = new StderrLines();

        Running(Process process, boolean drainStdout) {
            this.process = process;
            this.stdout = drainStdout ? CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()))
                    : CompletableFuture.completedFuture(new byte[0]);
            Thread reader = new Thread(() -> stderr.drain(process.getErrorStream()), "ssh-stderr");
            reader.setDaemon(true);
            reader.start();
        }

        public Run await(Duration deadline) throws Exception {
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("ssh did not finish within " + deadline + "; stderr so far:\n" + stderr.text());
            }
            byte[] out = stdout.get(deadline.toSeconds(), TimeUnit.SECONDS);
            return new Run(process.exitValue(), out, stderr.awaitEnd(deadline));
        }
    }

    private static final class StderrLines {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean ended;

        void drain(InputStream in) {
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (this) {
                        bytes.write(buffer, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process went away
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        synchronized String awaitEnd(Duration deadline) throws InterruptedException {
            long until = System.nanoTime() + deadline.toNanos();
            while (!ended && System.nanoTime() < until) {
                TimeUnit.NANOSECONDS.timedWait(this, until - System.nanoTime());
            }
            return text();
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
