package dev.portcullis;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PortcullisConfig;
import dev.portcullis.observability.Meters;
import dev.portcullis.policy.PolicyException;
import io.vertx.core.Vertx;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** The command line: reads configuration and starts what was asked for. Logic lives in the packages. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, version = "portcullis 0.1.0",
        description = "Just-in-time privileged access broker gateway.",
        subcommands = {Portcullis.Serve.class, Portcullis.CheckPolicy.class, CommandLine.HelpCommand.class})
public final class Portcullis implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Portcullis()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the broker. With no database configured it starts an embedded PostgreSQL under the data directory.")
    static final class Serve implements Callable<Integer> {

        @Option(names = "--config", description = "YAML file overriding config/portcullis.yaml defaults")
        Path config;

        @Option(names = "--data-dir", description = "overrides dataDir")
        Path dataDir;

        @Option(names = "--port", description = "overrides api.port")
        Integer port;

        @Override
        public Integer call() throws Exception {
            PortcullisConfig cfg;
            try {
                cfg = ConfigLoader.load(config, System.getenv());
            } catch (ConfigException e) {
                System.err.println("portcullis: " + e.getMessage());
                return 2;
            }
            if (dataDir != null) {
                cfg = cfg.withDataDir(dataDir.toAbsolutePath().normalize());
            }
            if (port != null) {
                cfg = cfg.withApiPort(port);
            }
            // Vert.x's own metrics must be chosen when Vert.x is built: it is built around the broker's registry.
            Meters meters = Meters.create();
            Vertx vertx = meters.vertx();
            Broker broker;
            try {
                broker = Broker.start(vertx, cfg, meters).await();
            } catch (PolicyException | ConfigException e) {
                System.err.println("portcullis: " + e.getMessage());
                vertx.close().await();
                return 2;
            } catch (Exception e) {
                System.err.println("portcullis: cannot start: " + e.getMessage());
                e.printStackTrace(System.err);
                vertx.close().await();
                return 1;
            }
            // SIGTERM / Ctrl-C: stop serving, disarm timers, stop the embedded PostgreSQL, then Vert.x.
            // Each step is awaited with a bound, because a hook that never returns blocks the JVM's exit.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                awaitBounded(broker.stop(), "broker");
                awaitBounded(vertx.close(), "vert.x");
            }, "portcullis-shutdown"));
            Thread.currentThread().join();
            return 0;
        }
    }

    private static void awaitBounded(io.vertx.core.Future<?> future, String what) {
        try {
            future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("portcullis: " + what + " did not stop cleanly: " + e);
        }
    }

    @Command(name = "check-policy", mixinStandardHelpOptions = true,
            description = "Parse a policies.yaml and print its version digest and rules; exit 2 if it is invalid.")
    static final class CheckPolicy implements Callable<Integer> {

        @CommandLine.Parameters(index = "0", description = "the policy file")
        Path file;

        @Override
        public Integer call() throws Exception {
            try {
                var policy = dev.portcullis.policy.PolicyParser.parse(java.nio.file.Files.readString(file),
                        dev.portcullis.integrity.Digests::ofCanonical);
                System.out.println("policy version " + policy.version());
                policy.rules().forEach(r -> System.out.println("  " + r.name() + ": " + r.tier().kind()
                        + ", max " + r.maxDuration() + (r.breakGlass().allowed() ? ", break-glass" : "")));
                return 0;
            } catch (PolicyException e) {
                System.err.println("portcullis: " + e.getMessage());
                return 2;
            }
        }
    }
}
