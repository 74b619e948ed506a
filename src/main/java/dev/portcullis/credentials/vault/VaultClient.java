package dev.portcullis.credentials.vault;

import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.credentials.CredentialUnavailable;
import io.github.jopenlibs.vault.SslConfig;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.json.Json;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.VaultResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A logged-in connection to Vault. Holds two driver clients built from two separate {@link VaultConfig}s (the
 * driver's constructors mutate the config they are given): engine version 1 for ssh, sys, database and auth
 * paths, which must not get the KV v2 {@code data/} inserted, and engine version 2 for KV reads. Both share
 * one {@link HttpClient}. An AppRole token is renewed at two thirds of its lifetime and, if renewal fails,
 * replaced by a fresh login; a 403 also triggers one fresh login and one retry.
 */
public final class VaultClient {

    private static final Logger LOG = LoggerFactory.getLogger(VaultClient.class);
    static final String POOL_NAME = "portcullis-vault";

    /** What a call does with the two clients; runs on the Vault worker pool. */
    @FunctionalInterface
    public interface Operation<T> {
        T run(Vault v1, Vault kv2) throws VaultException;
    }

    private record Clients(Vault v1, Vault kv2) {
    }

    private final Vertx vertx;
    private final PortcullisConfig.Vault settings;
    private final WorkerExecutor workers;
    private final VaultCall calls;
    private final HttpClient http;
    private final SslConfig ssl;
    private volatile Clients clients;
    private volatile Future<Clients> loggingIn;
    private volatile long renewalTimer = -1;
    private volatile boolean closed;

    private VaultClient(Vertx vertx, PortcullisConfig.Vault settings, VaultMeter meter) throws VaultException {
        this.vertx = vertx;
        this.settings = settings;
        this.workers = vertx.createSharedWorkerExecutor(POOL_NAME, settings.workerPoolSize(),
                settings.openTimeoutSeconds() + settings.readTimeoutSeconds() + 60L, TimeUnit.SECONDS);
        this.calls = new VaultCall(vertx, workers,
                Duration.ofSeconds(settings.openTimeoutSeconds() + settings.readTimeoutSeconds() + 1L), meter);
        this.ssl = settings.caFile().isBlank() ? new SslConfig().build() : new SslConfig().pemFile(new File(settings.caFile())).build();
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(settings.openTimeoutSeconds()));
        if (ssl.getSslContext() != null) {
            builder.sslContext(ssl.getSslContext());
        }
        this.http = builder.build();
    }

    /** Creates the client; the first login happens with the first call, so a sealed Vault does not stop the broker starting. */
    public static VaultClient create(Vertx vertx, PortcullisConfig.Vault settings, VaultMeter meter) {
        try {
            return new VaultClient(vertx, settings, meter);
        } catch (VaultException e) {
            throw new IllegalArgumentException("credentials.vault.caFile cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code operation} with a valid token; {@code op} names it for logs and meters. An answer of 400 or more
     * is a failure even where the driver returns it as a response (its logical read and write throw only for
     * 412 and 5xx).
     */
    public <T> Future<T> call(String op, Operation<T> operation) {
        return clients().compose(c -> calls.run(op, () -> checked(operation.run(c.v1(), c.kv2()))).recover(failure -> {
            if (isPermissionDenied(failure) && settings.auth().equals("approle")) {
                // The token may have expired or been revoked behind our back: log in again, once.
                invalidate(c);
                return clients().compose(fresh -> calls.run(op, () -> checked(operation.run(fresh.v1(), fresh.kv2()))));
            }
            return Future.failedFuture(failure);
        }));
    }

    /** An unauthenticated plain-text endpoint such as {@code ssh/public_key}, which the driver cannot read (not JSON). */
    public Future<String> publicText(String op, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.address().replaceAll("/+$", "") + "/v1/" + path))
                .timeout(Duration.ofSeconds(settings.readTimeoutSeconds())).GET().build();
        return calls.run(op, () -> {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new VaultException("Vault answered HTTP " + answer.statusCode(), answer.statusCode());
            }
            return answer.body();
        });
    }

    private static <T> T checked(T result) throws VaultException {
        if (result instanceof VaultResponse response && response.getRestResponse() != null) {
            int status = response.getRestResponse().getStatus();
            if (status >= 400) {
                throw new VaultException("Vault answered HTTP " + status + ": " + errors(response), status);
            }
        }
        return result;
    }

    /** Vault's {@code errors} list of an error answer (never a secret: error answers carry no data). */
    static String errors(VaultResponse response) {
        byte[] body = response.getRestResponse().getBody();
        if (body == null || body.length == 0) {
            return "(no body)";
        }
        try {
            JsonValue errors = Json.parse(new String(body, StandardCharsets.UTF_8)).asObject().get("errors");
            return errors == null ? "(no errors list)" : errors.toString();
        } catch (RuntimeException e) {
            return "(not JSON)";
        }
    }

    private static boolean isPermissionDenied(Throwable failure) {
        return failure instanceof CredentialUnavailable u && u.code().equals("vault_refused") && u.getMessage().contains("HTTP 403");
    }

    private synchronized void invalidate(Clients stale) {
        if (clients == stale) {
            clients = null;
        }
    }

    private synchronized Future<Clients> clients() {
        if (closed) {
            return Future.failedFuture(new CredentialUnavailable("vault_unreachable", "the Vault client is closed"));
        }
        if (clients != null) {
            return Future.succeededFuture(clients);
        }
        if (loggingIn == null) {
            loggingIn = login().andThen(done -> {
                synchronized (this) {
                    loggingIn = null;
                    if (done.succeeded()) {
                        clients = done.result();
                    }
                }
            });
        }
        return loggingIn;
    }

    private Future<Clients> login() {
        if (settings.auth().equals("token")) {
            return calls.run("token_read", () -> clientsWith(staticToken()));
        }
        return calls.run("approle_login", () -> {
            VaultConfig config = config(null);
            AuthResponse auth = Vault.create(config, 1).auth().loginByAppRole(settings.roleId(), secretId());
            scheduleRenewal(auth.getAuthLeaseDuration(), auth.isAuthRenewable() || Boolean.TRUE.equals(auth.getRenewable()));
            LOG.info("logged in to Vault at {} by AppRole (token valid {}s, policies {})", settings.address(),
                    auth.getAuthLeaseDuration(), auth.getAuthPolicies());
            return clientsWith(auth.getAuthClientToken());
        });
    }

    private void scheduleRenewal(long leaseSeconds, boolean renewable) {
        if (leaseSeconds <= 0 || closed) {
            return;
        }
        long delay = Math.max(1000L, leaseSeconds * 1000L * 2 / 3);
        long previous = renewalTimer;
        if (previous >= 0) {
            vertx.cancelTimer(previous);
        }
        renewalTimer = vertx.setTimer(delay, t -> renew(renewable));
    }

    private void renew(boolean renewable) {
        Clients current = clients;
        if (current == null || closed) {
            return;
        }
        Future<AuthResponse> renewed = renewable
                ? calls.run("token_renew", () -> current.v1().auth().renewSelf())
                : Future.failedFuture("not renewable");
        renewed.onSuccess(auth -> scheduleRenewal(auth.getAuthLeaseDuration(), true))
                .onFailure(failure -> {
                    LOG.info("Vault token renewal failed ({}); logging in again", failure.getMessage());
                    invalidate(current);
                    clients().onFailure(again -> scheduleRenewal(5, false));
                });
    }

    private Clients clientsWith(String token) throws VaultException {
        return new Clients(Vault.create(config(token), 1), Vault.create(config(token), 2));
    }

    /** A fresh config each time: the driver's constructors change the one they are given. */
    private VaultConfig config(String token) throws VaultException {
        VaultConfig config = new VaultConfig().address(settings.address())
                .openTimeout(settings.openTimeoutSeconds()).readTimeout(settings.readTimeoutSeconds())
                .sslConfig(ssl).httpClient(http);
        if (token != null) {
            config.token(token);
        }
        return config.build();
    }

    private String secretId() throws IOException {
        return settings.secretIdFile().isBlank() ? settings.secretId() : Files.readString(Path.of(settings.secretIdFile())).trim();
    }

    private String staticToken() throws IOException {
        if (!settings.tokenFile().isBlank()) {
            return Files.readString(Path.of(settings.tokenFile())).trim();
        }
        String token = System.getenv("VAULT_TOKEN");
        if (token == null || token.isBlank()) {
            throw new IOException("credentials.vault.auth is token but neither tokenFile nor VAULT_TOKEN is set");
        }
        return token.trim();
    }

    public String address() {
        return settings.address();
    }

    public Future<Void> close() {
        closed = true;
        if (renewalTimer >= 0) {
            vertx.cancelTimer(renewalTimer);
        }
        return workers.close();
    }
}
