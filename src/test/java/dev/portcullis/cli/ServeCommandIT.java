package dev.portcullis.cli;

import dev.portcullis.support.Api;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's quick start, for real: {@code ./portcullis serve} on an empty data directory starts an
 * embedded PostgreSQL, writes the bootstrap token to a private file (never to the log), serves the API,
 * shuts down cleanly on SIGTERM and keeps its data for the next start.
 */
class ServeCommandIT {

    private static final Pattern LISTENING = Pattern.compile("API listening on http://127\\.0\\.0\\.1:(\\d+)/api/v1");

    record Running(Process process, int port, List<String> log) {
    }

    private Running serve(Path dataDir) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("./portcullis", "serve", "--data-dir", dataDir.toString(), "--port", "0")
                .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".stdout").toFile());
        builder.environment().put("PORTCULLIS_SSH_PORT", "0"); // the default 2222 may be taken on a build machine
        builder.environment().put("PORTCULLIS_OPS_PORT", "0"); // likewise 9464
        builder.environment().put("PORTCULLIS_HTTP_PORT", "0"); // likewise the HTTP gateway's 8443
        Process process = builder.start();
        List<String> log = new ArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    synchronized (log) {
                        log.add(line);
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
                port.completeExceptionally(new AssertionError("broker exited before listening: " + log));
            } catch (Exception e) {
                port.completeExceptionally(e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        return new Running(process, port.get(90, TimeUnit.SECONDS), log);
    }

    private static void stop(Running running) throws Exception {
        running.process().destroy(); // SIGTERM: the shutdown hook stops the API and the embedded PostgreSQL
        assertThat(running.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void helpListsTheCommands() throws Exception {
        Process help = new ProcessBuilder("./portcullis", "--help").redirectErrorStream(true).start();
        String out = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(help.waitFor()).isZero();
        assertThat(out).contains("serve").contains("check-policy");
    }

    @Test
    void serveStartsOnAFreshDataDirectoryAndKeepsItsStateAcrossRestarts(@TempDir Path tmp) throws Exception {
        Path dataDir = tmp.resolve("data");
        Running first = serve(dataDir);
        Path tokenFile = dataDir.resolve("bootstrap-admin.token");
        String token = Files.readString(tokenFile).trim();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("keys/broker-ed25519.key")))).isEqualTo("rw-------");
        synchronized (first.log()) {
            assertThat(String.join("\n", first.log())).contains(tokenFile.toString()).doesNotContain(token);
        }
        Api api = new Api("http://127.0.0.1:" + first.port() + "/api/v1", token);
        assertThat(api.get("/whoami", token).json().getString("name")).isEqualTo("admin");
        Api.Answer registered = api.post("/principals", token, new JsonObject().put("name", "vendor").put("kind", "human")
                .put("roles", new io.vertx.core.json.JsonArray().add("vendor")));
        assertThat(registered.status()).isEqualTo(201);
        stop(first);
        assertThat(Files.isDirectory(dataDir.resolve("postgres"))).isTrue();

        Running second = serve(dataDir);
        Api again = new Api("http://127.0.0.1:" + second.port() + "/api/v1", token);
        assertThat(again.get("/whoami", registered.json().getString("token")).json().getString("name")).isEqualTo("vendor");
        assertThat(again.get("/ledger/verify", token).json().getBoolean("valid")).isTrue();
        assertThat(Files.readString(tokenFile).trim()).isEqualTo(token);
        stop(second);
    }
}
