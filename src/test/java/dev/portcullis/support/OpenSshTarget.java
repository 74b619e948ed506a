package dev.portcullis.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

/**
 * A real OpenSSH {@code sshd} on a free loopback port that accepts only user certificates signed
 * by a given CA: the stand-in for a customer's SSH host. Start it, use it, close it.
 */
public final class OpenSshTarget implements AutoCloseable {

    public static final Path SSHD = Path.of("/usr/sbin/sshd");
    /** sshd's privilege-separation directory; it refuses to start without it. */
    private static final Path PRIVSEP_DIR = Path.of("/run/sshd");
    private static final Duration STARTUP_DEADLINE = Duration.ofSeconds(20);
    private static final int START_ATTEMPTS = 3;
    private static final Pattern LISTENING = Pattern.compile("Server listening on 127\\.0\\.0\\.1 port (\\d+)");
    private static final Pattern VERSION = Pattern.compile("OpenSSH_(\\d+)\\.(\\d+)");

    private final Path directory;
    private final Process process;
    private final int port;
    private final PublicKey hostKey;
    private final SshdLog log;
    private final Thread killAtExit;

    private OpenSshTarget(Path directory, Process process, int port, PublicKey hostKey, SshdLog log, Thread killAtExit) {
        this.directory = directory;
        this.process = process;
        this.port = port;
        this.hostKey = hostKey;
        this.log = log;
        this.killAtExit = killAtExit;
    }

    /** Starts sshd trusting the user CA whose public key line(s) are in {@code trustedUserCaKeys}. */
    public static OpenSshTarget start(Path trustedUserCaKeys) throws IOException, GeneralSecurityException {
        return start(trustedUserCaKeys, null);
    }

    /**
     * Like {@link #start(Path)}, and when {@code hostCa} is given sshd also presents a host certificate for
     * {@code 127.0.0.1} signed by that CA (made with the real {@code ssh-keygen -s … -h}).
     */
    public static OpenSshTarget start(Path trustedUserCaKeys, KeyPair hostCa) throws IOException, GeneralSecurityException {
        if (!Files.isExecutable(SSHD)) {
            throw new IllegalStateException(SSHD + " is missing: install OpenSSH's server "
                    + "(Debian: apt-get install -y openssh-server openssh-client) to run tests against a real target");
        }
        if (!Files.isDirectory(PRIVSEP_DIR)) {
            // Normally made by the init system; containers have none. sshd wants it root-owned, not group/world-writable.
            Files.createDirectories(PRIVSEP_DIR, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        Path directory = Files.createTempDirectory("portcullis-sshd-");
        try {
            Path caKeys = directory.resolve("trusted_user_ca_keys");
            Files.copy(trustedUserCaKeys, caKeys);
            KeyPair hostKeyPair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
            Path hostKeyFile = directory.resolve("ssh_host_ed25519_key");
            writePrivateKey(hostKeyFile, hostKeyPair);
            Path hostCertificate = hostCa == null ? null : certifyHostKey(directory, hostKeyFile, hostKeyPair, hostCa);
            int version = sshdVersion();

            // The free port is only free until someone else takes it; sshd tells us if that happened.
            IOException lastFailure = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                int port = freeLoopbackPort();
                Path config = directory.resolve("sshd_config");
                Files.writeString(config, config(port, hostKeyFile, caKeys, directory.resolve("sshd.pid"), version)
                        + (hostCertificate == null ? "" : "HostCertificate " + hostCertificate + "\n"));
                try {
                    return launch(directory, config, port, hostKeyPair.getPublic());
                } catch (IOException e) {
                    lastFailure = e;
                }
            }
            throw lastFailure;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            deleteRecursively(directory);
            throw e;
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public PublicKey hostKey() {
        return hostKey;
    }

    /** The host key as {@code ssh-ed25519 AAAA…}. */
    public String hostKeyLine() {
        return PublicKeyEntry.toString(hostKey);
    }

    /** The line that pins this target's host key in a {@code known_hosts} file. */
    public String knownHostsLine() {
        return "[" + host() + "]:" + port + " " + hostKeyLine();
    }

    /** Everything sshd has logged so far (LogLevel VERBOSE), for assertions and failure messages. */
    public String log() {
        return log.text();
    }

    /** How many lines sshd has logged so far: pass it to {@link #awaitLogLine} to look only at what follows. */
    public int logMark() {
        return log.size();
    }

    /**
     * Waits until sshd has logged, after line {@code sinceMark}, a line that {@code matches}, and
     * returns it; fails after {@code deadline}. sshd logs a refusal or a login while the client
     * hears of it, so the line may trail the client's result by a moment.
     */
    public String awaitLogLine(int sinceMark, Predicate<String> matches, Duration deadline) throws InterruptedException {
        return log.await(sinceMark, matches, deadline);
    }

    /** Stops sshd and the session processes it forked, and removes its directory. */
    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(killAtExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it kills the process for us
        }
        stop(process);
        deleteRecursively(directory);
    }

    private static OpenSshTarget launch(Path directory, Path config, int port, PublicKey hostKey) throws IOException {
        // -D: stay in the foreground, so the process we hold is sshd itself; -e: log to stderr, which we read.
        Process process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
                .directory(directory.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        process.getOutputStream().close();
        Thread killAtExit = new Thread(() -> stop(process), "kill-sshd-" + port);
        Runtime.getRuntime().addShutdownHook(killAtExit);
        SshdLog log = SshdLog.follow(process, port);
        try {
            String line = log.await(0, LISTENING.asPredicate(), STARTUP_DEADLINE);
            Matcher m = LISTENING.matcher(line);
            if (!m.find() || Integer.parseInt(m.group(1)) != port) {
                throw new IOException("sshd listens elsewhere than port " + port + ": " + line);
            }
            return new OpenSshTarget(directory, process, port, hostKey, log, killAtExit);
        } catch (IOException | RuntimeException | InterruptedException e) {
            Runtime.getRuntime().removeShutdownHook(killAtExit);
            stop(process);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("sshd did not start on port " + port + ": " + e.getMessage() + "\n--- sshd log ---\n" + log.text(), e);
        }
    }

    private static String config(int port, Path hostKey, Path caKeys, Path pidFile, int version) {
        List<String> lines = new ArrayList<>(List.of(
                "ListenAddress 127.0.0.1:" + port,
                "HostKey " + hostKey,
                "PidFile " + pidFile,
                "LogLevel VERBOSE",
                // Only certificates from the trusted CA count: no keys, no passwords, no PAM.
                "TrustedUserCAKeys " + caKeys,
                "AuthorizedKeysFile none",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                // Tests run as root and log in as root.
                "PermitRootLogin prohibit-password",
                // Temp directories and CI home directories have whatever ownership they have.
                "StrictModes no",
                "AllowTcpForwarding yes",
                "Subsystem sftp internal-sftp",
                "PrintMotd no",
                "PrintLastLog no"));
        if (version >= 908) {
            // OpenSSH 9.8 and later penalise an address after failed logins by refusing it for a
            // while; tests that assert refusals from 127.0.0.1 must not lock out the tests after them.
            lines.add("PerSourcePenalties no");
        }
        return String.join("\n", lines) + "\n";
    }

    // major*100 + minor: 9.2 -> 902. "sshd -V" exists since 9.2; older ones print the version in their usage text.
    private static int sshdVersion() throws IOException {
        Process p = new ProcessBuilder(SSHD.toString(), "-V").redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            Matcher m = VERSION.matcher(out);
            if (!m.find()) {
                throw new IOException("cannot read the OpenSSH version from: " + out);
            }
            return Integer.parseInt(m.group(1)) * 100 + Integer.parseInt(m.group(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking sshd its version", e);
        } finally {
            p.destroyForcibly();
        }
    }

    // ssh-keygen -s CA -I id -h -n 127.0.0.1 key.pub → key-cert.pub
    private static Path certifyHostKey(Path directory, Path hostKeyFile, KeyPair hostKey, KeyPair ca)
            throws IOException, GeneralSecurityException {
        Path caFile = directory.resolve("host_ca");
        writePrivateKey(caFile, ca);
        Path publicFile = Path.of(hostKeyFile + ".pub");
        Files.writeString(publicFile, PublicKeyEntry.toString(hostKey.getPublic()) + " portcullis-test-host\n");
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-s", caFile.toString(), "-I", "portcullis-test-host", "-h",
                "-n", "127.0.0.1", publicFile.toString()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("ssh-keygen could not certify the host key: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while certifying the host key", e);
        }
        return Path.of(hostKeyFile + "-cert.pub");
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void writePrivateKey(Path file, KeyPair keyPair) throws IOException, GeneralSecurityException {
        // sshd refuses a host key that group or others can read.
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(file)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(keyPair, "portcullis-test-host", null, out);
        }
    }

    private static void stop(Process process) {
        // Per-connection children outlive the listener unless told to.
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (Files.notExists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** sshd's stderr, drained continuously (a full pipe would stall sshd) and searchable while it grows. */
    private static final class SshdLog {
        private final List<String> lines = new ArrayList<>();
        private boolean ended;

        static SshdLog follow(Process process, int port) {
            SshdLog log = new SshdLog();
            Thread reader = new Thread(() -> log.drain(process), "sshd-log-" + port);
            reader.setDaemon(true);
            reader.start();
            return log;
        }

        private void drain(Process process) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (this) {
                        lines.add(line);
                        notifyAll();
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // the stream closes when sshd exits; nothing more to read
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        synchronized int size() {
            return lines.size();
        }

        synchronized String await(int from, Predicate<String> matches, Duration deadline) throws InterruptedException {
            long until = System.nanoTime() + deadline.toNanos();
            int seen = from;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (matches.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                if (ended) {
                    throw new IllegalStateException("sshd exited before logging the awaited line");
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("sshd did not log the awaited line within " + deadline);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized String text() {
            return String.join("\n", lines);
        }
    }
}
