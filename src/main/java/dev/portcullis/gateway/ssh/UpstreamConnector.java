package dev.portcullis.gateway.ssh;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;

/**
 * Logs in to targets as MINA SSHD clients (NIO2, shared by all sessions): only with the identity it is handed
 * (a per-session certified key), never with files from the broker's home directory, and only to a host that
 * proves the identity its target record pins.
 */
final class UpstreamConnector implements AutoCloseable {

    private static final AttributeRepository.AttributeKey<TargetEndpoint> ENDPOINT = new AttributeRepository.AttributeKey<>();
    private static final AttributeRepository.AttributeKey<String> PRESENTED = new AttributeRepository.AttributeKey<>();

    private final Vertx vertx;
    private final SshClient client;
    private final Duration timeout;

    UpstreamConnector(Vertx vertx, SshGatewayOptions options) {
        this.vertx = vertx;
        this.timeout = options.upstreamTimeout();
        client = SshClient.setUpDefaultClient();
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        Algorithms.applyToClient(client);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        // What the target may open back: connections to its remote forwards and to the vendor's agent, relayed to
        // the vendor only when the session was granted them. Nothing is ever connected from the broker itself.
        client.setChannelFactories(TargetChannel.FACTORIES);
        client.setServerKeyVerifier((session, address, presented) -> {
            AttributeRepository context = session.getConnectionContext();
            TargetEndpoint endpoint = context == null ? null : context.getAttribute(ENDPOINT);
            if (endpoint != null && endpoint.accepts(presented)) {
                return true;
            }
            session.setAttribute(PRESENTED, describe(presented));
            return false;
        });
        CoreModuleProperties.WINDOW_SIZE.set(client, options.windowSize());
        CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(client, GatewayServer.READ_BUFFER_SIZE);
        // A session lasts as long as its grant allows; the window end, not idleness, ends it.
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        client.start();
    }

    /**
     * Connects and authenticates as {@code unixUser} with {@code identity} (whose public half is the certificate).
     * Fails with a {@link Refusal} naming both keys when the target's host key is not the pinned one.
     */
    Future<ClientSession> connect(TargetEndpoint endpoint, String unixUser, KeyPair identity) {
        Promise<ClientSession> promise = Promise.promise();
        long timer = vertx.setTimer(timeout.toMillis(), t -> promise.tryFail(new Refusal(
                "portcullis: the target " + endpoint.host() + ":" + endpoint.port() + " did not answer within " + timeout.toSeconds() + " s")));
        try {
            client.connect(unixUser, endpoint.host(), endpoint.port(), AttributeRepository.ofKeyValuePair(ENDPOINT, endpoint), null)
                    .addListener(connected -> {
                        if (!connected.isConnected()) {
                            promise.tryFail(new Refusal("portcullis: cannot reach the target " + endpoint.host() + ":"
                                    + endpoint.port() + " (" + String.valueOf(connected.getException()) + ")"));
                            return;
                        }
                        ClientSession session = connected.getClientSession();
                        session.addPublicKeyIdentity(identity);
                        try {
                            session.auth().addListener(auth -> {
                                if (auth.isSuccess()) {
                                    if (!promise.tryComplete(session)) {
                                        session.close(true);
                                    }
                                    return;
                                }
                                String presented = session.getAttribute(PRESENTED);
                                session.close(true);
                                promise.tryFail(presented != null ? new HostKeyMismatch(endpoint, presented)
                                        : new Refusal("portcullis: the target did not accept the session certificate for "
                                        + unixUser + " (" + String.valueOf(auth.getException()) + ")"));
                            });
                        } catch (IOException e) {
                            session.close(true);
                            promise.tryFail(e);
                        }
                    });
        } catch (IOException e) {
            promise.tryFail(e);
        }
        return promise.future().andThen(done -> vertx.cancelTimer(timer));
    }

    private static String describe(PublicKey key) {
        return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
    }

    /** The target presented another host key than the one pinned: the loudest refusal there is. */
    static final class HostKeyMismatch extends Refusal {
        HostKeyMismatch(TargetEndpoint endpoint, String presented) {
            super("portcullis: REFUSED: the target " + endpoint.host() + ":" + endpoint.port() + " presented host key "
                    + presented + " but " + (endpoint.hostCa() ? "a certificate from the host CA " : "the pinned key ")
                    + describe(endpoint.trusted()) + " is required; possible man-in-the-middle, nothing was sent to it");
        }
    }

    @Override
    public void close() throws IOException {
        client.stop();
    }
}
