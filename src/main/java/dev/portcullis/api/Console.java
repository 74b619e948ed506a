package dev.portcullis.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The web console: static files from the classpath ({@code console/}) and xterm.js from its WebJar, served by
 * the API's own HTTP server under {@code /console/}, with {@code /} redirecting there. The console is plain
 * JavaScript that calls the same REST API with the token its user signs in with; it holds no authority of its
 * own, so every page is public and every header below is about keeping other origins out.
 */
final class Console {

    static final String PATH = "/console/";

    /** Scripts and styles only from this origin, no inline code, no framing, no third-party anything. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    private static final String XTERM_POM = "META-INF/maven/org.webjars.npm/xterm/pom.properties";

    private Console() {
    }

    /** Mounts the console on {@code root}; the xterm.js version is read from the WebJar so the pom alone decides it. */
    static Future<Void> mount(Vertx vertx, Router root) {
        return vertx.fileSystem().readFile(XTERM_POM).map(file -> {
            String xterm = "META-INF/resources/webjars/xterm/" + version(file.toString());
            root.get("/").handler(ctx -> ctx.redirect(PATH));
            root.route("/console/*").handler(Console::secure);
            root.route("/console/vendor/xterm/*").handler(StaticHandler.create(xterm)
                    .setDirectoryListing(false).setIncludeHidden(false));
            root.route("/console/*").handler(StaticHandler.create("console").setIndexPage("index.html")
                    .setDirectoryListing(false).setIncludeHidden(false));
            return null;
        });
    }

    private static void secure(RoutingContext ctx) {
        ctx.response().headers()
                .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .set("X-Frame-Options", "DENY")
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer")
                .set("Cross-Origin-Opener-Policy", "same-origin")
                .set("Cross-Origin-Resource-Policy", "same-origin")
                // The console is small, and a stale copy after an upgrade would call an API that changed.
                .set(HttpHeaders.CACHE_CONTROL, "no-cache");
        ctx.next();
    }

    private static String version(String pomProperties) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(pomProperties));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String version = properties.getProperty("version");
        if (version == null || !version.matches("[0-9A-Za-z.+-]+")) {
            throw new IllegalStateException(XTERM_POM + " names no usable version: " + version);
        }
        return version;
    }
}
