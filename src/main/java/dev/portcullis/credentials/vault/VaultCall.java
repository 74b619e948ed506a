package dev.portcullis.credentials.vault;

import dev.portcullis.credentials.CredentialUnavailable;
import io.github.jopenlibs.vault.VaultException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The one place a Vault call runs: on the Vault worker pool (the driver blocks), bounded by a deadline, timed,
 * and its failure turned into a {@link CredentialUnavailable} with a reason code. Messages never carry Vault's
 * response bodies, which could echo what was sent.
 */
final class VaultCall {

    private static final Logger LOG = LoggerFactory.getLogger(VaultCall.class);

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final Duration deadline;
    private final VaultMeter meter;

    VaultCall(Vertx vertx, WorkerExecutor workers, Duration deadline, VaultMeter meter) {
        this.vertx = vertx;
        this.workers = workers;
        this.deadline = deadline;
        this.meter = meter;
    }

    /** Runs {@code work} on the pool; {@code op} is a low-cardinality name such as {@code ssh_sign}. */
    <T> Future<T> run(String op, Callable<T> work) {
        long started = System.nanoTime();
        Promise<T> answer = Promise.promise();
        // The driver's own timeouts bound each HTTP exchange; this bounds the whole call (retries, DNS, TLS).
        long timer = vertx.setTimer(deadline.toMillis(), t -> answer.tryFail(
                new CredentialUnavailable("vault_timeout", "Vault did not answer within " + deadline.toSeconds() + "s")));
        workers.executeBlocking(work, false).onComplete(done -> {
            vertx.cancelTimer(timer);
            if (done.succeeded()) {
                answer.tryComplete(done.result());
            } else {
                answer.tryFail(unavailable(done.cause()));
            }
        });
        return answer.future().onComplete(done -> {
            String outcome = done.succeeded() ? "ok"
                    : done.cause() instanceof CredentialUnavailable u ? u.code() : "vault_error";
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            meter.record(op, outcome, took);
            if (done.failed()) {
                LOG.warn("Vault {} failed after {} ms: {} ({})", op, took.toMillis(), done.cause().getMessage(), outcome);
            }
        });
    }

    /** The reason code and a vendor-safe message for a driver failure. */
    static CredentialUnavailable unavailable(Throwable failure) {
        if (failure instanceof CredentialUnavailable u) {
            return u;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException || t instanceof ConnectException || t instanceof UnresolvedAddressException) {
                return new CredentialUnavailable("vault_unreachable", "Vault is unreachable");
            }
            if (t instanceof HttpTimeoutException) {
                return new CredentialUnavailable("vault_timeout", "Vault did not answer in time");
            }
        }
        int status = failure instanceof VaultException v ? v.getHttpStatusCode() : 0;
        if (status == 503) {
            return new CredentialUnavailable("vault_sealed", "Vault is sealed");
        }
        if (status == 400 || status == 403 || status == 404) {
            return new CredentialUnavailable("vault_refused", "Vault refused the request (HTTP " + status + ")");
        }
        if (status > 0) {
            return new CredentialUnavailable("vault_error", "Vault failed (HTTP " + status + ")");
        }
        if (failure instanceof VaultException) {
            // The driver reports an I/O failure with status 0 and the cause's message only.
            return new CredentialUnavailable("vault_unreachable", "Vault is unreachable");
        }
        return new CredentialUnavailable("vault_error", "Vault call failed (" + failure.getClass().getSimpleName() + ")");
    }
}
