package dev.portcullis.observability;

import dev.portcullis.domain.RefusalReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker's meters: owns one Prometheus registry (per broker, never a JVM-wide global, so brokers in one
 * JVM do not mix), the meter names of DESIGN.md, and small typed methods the gateways, the workflow and the
 * credential code call. Labels stay low-cardinality: protocol, outcome, reason code, operation, and target
 * and environment names (registered configuration, so bounded) — never session, request or user ids.
 *
 * <p>Labelled counters and timers are registered at start for every known label value, so that every series a
 * dashboard asks for exists (at zero) from the first scrape on.
 */
public final class Meters {

    public static final List<String> PROTOCOLS = List.of("ssh", "http");
    /** {@code started}: the session row was opened; {@code refused}: the verifier said no; {@code failed}: opened but the target could not be reached. */
    public static final List<String> SESSION_OUTCOMES = List.of("started", "refused", "failed");
    public static final List<String> DIRECTIONS = List.of("to_target", "to_vendor");
    /** The Vault operations the credential broker times; others get their series when first used. */
    public static final List<String> VAULT_OPS = List.of("ssh_sign", "kv_read", "database_creds", "lease_revoke", "lease_lookup", "health");
    public static final List<String> OUTCOMES = List.of("ok", "error");
    /** A Vault call's outcome: {@code ok} or the reason code its failure carries (what the session refusal names too). */
    public static final List<String> VAULT_OUTCOMES = List.of("ok", "vault_sealed", "vault_unreachable", "vault_timeout",
            "vault_refused", "vault_error");
    public static final List<String> DECISIONS = List.of("approved", "denied");

    private final PrometheusMeterRegistry registry;
    private final String vertxRegistryName = "portcullis-" + UUID.randomUUID();
    private final Map<SessionKey, AtomicInteger> activeSessions = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> states = new ConcurrentHashMap<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /** A labelled series of {@code portcullis_sessions_active}. */
    public record SessionKey(String protocol, String target, String environment) {
    }

    /**
     * Two of Micrometer's JVM meters break Prometheus naming rules that {@code promtool check metrics} enforces: a
     * gauge named {@code *_count} and a counter in nanoseconds. The count becomes {@code system_cpu_cores}; the
     * nanosecond counter is dropped ({@code process_cpu_usage} says the same).
     */
    private static final MeterFilter PROMTOOL_CLEAN = new MeterFilter() {
        @Override
        public Meter.Id map(Meter.Id id) {
            return "system.cpu.count".equals(id.getName()) ? id.withName("system.cpu.cores") : id;
        }

        @Override
        public MeterFilterReply accept(Meter.Id id) {
            return "process.cpu.time".equals(id.getName()) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
        }
    };

    private Meters() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(PROMTOOL_CLEAN);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        preRegister();
    }

    public static Meters create() {
        return new Meters();
    }

    /**
     * A Vert.x instance whose own HTTP server/client, pool and event-bus metrics land in this registry. Metrics
     * must be chosen when Vert.x is built, which is why the command line (and the test harness) build Vert.x here.
     */
    public Vertx vertx() {
        // No Vert.x HTTP client metrics: a registry look-up per request, for a client that here carries only the HTTP
        // gateway's WebSocket upgrades and webhooks (the gateway's own upstream connections and its bytes are counted
        // in portcullis_proxy_bytes_total; Vault calls have their own meter).
        MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true)
                .setRegistryName(vertxRegistryName).setJvmMetricsEnabled(false)
                .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
        // The native (epoll) transport when this platform has it: the HTTP gateway's throughput depends on it.
        return Vertx.builder().with(new VertxOptions().setMetricsOptions(metrics).setPreferNativeTransport(true))
                .withMetrics(new MicrometerMetricsFactory(registry)).build();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    private void preRegister() {
        for (String protocol : PROTOCOLS) {
            // A zero series with empty target and environment (the same as no such labels in PromQL), so the metric
            // exists before any target is registered; registered targets get their own series (StateGauges).
            knownTarget(new SessionKey(protocol, "", ""));
            for (String outcome : SESSION_OUTCOMES) {
                sessionStarts(protocol, outcome);
            }
            for (String direction : DIRECTIONS) {
                proxyBytes(protocol, direction);
            }
        }
        for (RefusalReason reason : RefusalReason.values()) {
            denied(reason.code());
        }
        for (String decision : DECISIONS) {
            approvalWait(decision);
        }
        for (String op : VAULT_OPS) {
            for (String outcome : VAULT_OUTCOMES) {
                vaultTimer(op, outcome);
            }
        }
        for (String outcome : OUTCOMES) {
            databaseTimer(outcome);
            webhookDeliveries(outcome);
        }
        revocationLag();
        ledgerCommit();
        for (State state : State.values()) {
            AtomicLong value = new AtomicLong();
            states.put(state.metric, value);
            Gauge.builder(state.metric, value, AtomicLong::get).description(state.description).register(registry);
        }
        liveViewersDropped();
    }

    // ---- sessions -----------------------------------------------------------------------------------------

    /** Live sessions on this node, by protocol, target and environment. */
    public void sessionLive(SessionKey key) {
        activeGauge(key).incrementAndGet();
    }

    public void sessionEnded(SessionKey key) {
        activeGauge(key).updateAndGet(n -> Math.max(0, n - 1));
    }

    /** Makes {@code portcullis_sessions_active} show a registered target at zero before its first session. */
    public void knownTarget(SessionKey key) {
        activeGauge(key);
    }

    private AtomicInteger activeGauge(SessionKey key) {
        return activeSessions.computeIfAbsent(key, k -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("portcullis.sessions.active", value, AtomicInteger::get)
                    .description("sessions live on this node")
                    .tags("protocol", k.protocol(), "target", k.target(), "environment", k.environment())
                    .register(registry);
            return value;
        });
    }

    public void sessionStarted(String protocol, String outcome) {
        sessionStarts(protocol, outcome).increment();
    }

    private Counter sessionStarts(String protocol, String outcome) {
        return Counter.builder("portcullis.session.starts").description("session openings by outcome")
                .tags("protocol", protocol, "outcome", outcome).register(registry);
    }

    /**
     * Bytes moved through a gateway; the gateways keep the counter and increment it per chunk (a striped adder:
     * cheap on the data path).
     */
    public Counter proxyBytes(String protocol, String direction) {
        return Counter.builder("portcullis.proxy.bytes").baseUnit("bytes").description("bytes moved through the gateways")
                .tags("protocol", protocol, "direction", direction).register(registry);
    }

    // ---- access and approvals -----------------------------------------------------------------------------

    public void accessDenied(String reason) {
        denied(reason).increment();
    }

    private Counter denied(String reason) {
        return Counter.builder("portcullis.access.denied").description("attempts the grant verifier refused, by reason code")
                .tags("reason", reason).register(registry);
    }

    /** From filing to the decision that approved or denied the request. */
    public void approvalDecided(String decision, Duration wait) {
        approvalWait(decision).record(wait);
    }

    private Timer approvalWait(String decision) {
        return Timer.builder("portcullis.approval.wait").description("time from filing a request to its decision")
                .tags("decision", decision)
                .serviceLevelObjectives(buckets("1m", "5m", "15m", "30m", "1h", "2h", "4h", "8h", "24h", "48h")).register(registry);
    }

    // ---- credentials and revocation -----------------------------------------------------------------------

    /** One Vault call: {@code op} from {@link #VAULT_OPS} (others are accepted), outcome from {@link #VAULT_OUTCOMES} (others are accepted). */
    public void vaultRequest(String op, String outcome, Duration took) {
        vaultTimer(op, outcome).record(took);
    }

    private Timer vaultTimer(String op, String outcome) {
        return Timer.builder("portcullis.vault.request").description("Vault requests by operation and outcome")
                .tags("op", op, "outcome", outcome)
                .serviceLevelObjectives(buckets("5ms", "10ms", "25ms", "50ms", "100ms", "250ms", "500ms", "1s", "2.5s", "5s", "10s", "30s"))
                .register(registry);
    }

    /** From the window's end to the confirmed revocation of a lease. */
    public void revocationConfirmed(Duration lag) {
        revocationLag().record(lag.isNegative() ? Duration.ZERO : lag);
    }

    private Timer revocationLag() {
        return Timer.builder("portcullis.revocation.lag").description("window end to confirmed revocation")
                .serviceLevelObjectives(buckets("1s", "5s", "15s", "30s", "1m", "2m", "5m", "15m", "1h")).register(registry);
    }

    // ---- database, webhooks, live viewers -----------------------------------------------------------------

    /** One committed ledger entry: counted by type, timed from its transaction's start to after the commit. */
    public void ledgerCommitted(String type, Duration took) {
        Counter.builder("portcullis.ledger.entries").description("committed ledger entries by type (this node)")
                .tags("type", type).register(registry).increment();
        ledgerCommit().record(took.isNegative() ? Duration.ZERO : took);
    }

    private Timer ledgerCommit() {
        return Timer.builder("portcullis.ledger.commit").description("transaction start to committed ledger entry, ledger lock wait included")
                .serviceLevelObjectives(buckets("1ms", "5ms", "10ms", "25ms", "50ms", "100ms", "250ms", "1s", "2.5s", "10s"))
                .register(registry);
    }

    public void databaseProbe(String outcome, Duration took) {
        databaseTimer(outcome).record(took);
    }

    private Timer databaseTimer(String outcome) {
        return Timer.builder("portcullis.database.probe").description("the periodic database probe's round trip")
                .tags("outcome", outcome)
                .serviceLevelObjectives(buckets("1ms", "5ms", "10ms", "25ms", "50ms", "100ms", "250ms", "1s", "2.5s", "10s"))
                .register(registry);
    }

    public Counter webhookDeliveries(String outcome) {
        return Counter.builder("portcullis.webhook.deliveries").description("webhook delivery attempts by outcome")
                .tags("outcome", outcome).register(registry);
    }

    public Counter liveViewersDropped() {
        return Counter.builder("portcullis.live.viewers.dropped")
                .description("live stream viewers dropped because they did not keep up").register(registry);
    }

    /**
     * Histogram buckets chosen for what each timer measures (a dozen each), rather than Micrometer's generic set of
     * about seventy per series: Prometheus stores every bucket of every label combination.
     */
    private static Duration[] buckets(String... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            String v = values[i];
            out[i] = v.endsWith("ms") ? Duration.ofNanos((long) (Double.parseDouble(v.substring(0, v.length() - 2)) * 1_000_000))
                    : v.endsWith("s") ? Duration.ofNanos((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1_000_000_000))
                    : v.endsWith("m") ? Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)))
                    : Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return out;
    }

    // ---- state counts (refreshed from the database, or set by the component that owns the state) ------------

    /** Gauges whose values are counts of rows in a state; {@link StateGauges} refreshes them. */
    public enum State {
        APPROVALS_PENDING("portcullis.approvals.pending", "requests waiting for a decision"),
        BREAKGLASS_ACTIVE("portcullis.breakglass.active", "break-glass grants open right now"),
        BREAKGLASS_REVIEWS_OPEN("portcullis.breakglass.reviews.open", "break-glass reviews not yet closed"),
        GRANTS_CLOSE_FAILED("portcullis.grants.close.failed", "grants whose closing failed and is being retried"),
        REVOCATIONS_PENDING("portcullis.revocations.pending", "credential leases waiting for a confirmed revocation"),
        REVOCATIONS_FAILED("portcullis.revocations.failed", "credential leases whose revocation failed (retried, alerted)"),
        WEBHOOK_QUEUE("portcullis.webhook.queued", "webhook deliveries waiting"),
        LIVE_VIEWERS("portcullis.live.viewers", "WebSocket viewers of live sessions and the event stream");

        final String metric;
        final String description;

        State(String metric, String description) {
            this.metric = metric;
            this.description = description;
        }
    }

    public void set(State state, long value) {
        states.get(state.metric).set(value);
    }

    public void add(State state, long delta) {
        states.get(state.metric).addAndGet(delta);
    }

    public long get(State state) {
        return states.get(state.metric).get();
    }

    /** Releases what the JVM binders hold; the registry is closed with it. */
    public void close() {
        gc.close();
        registry.close();
    }
}
