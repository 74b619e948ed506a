package dev.portcullis.credentials;

import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Target;
import io.vertx.core.Future;

/**
 * Where the HTTP gateway gets the credential it injects for a target: a local secret in the embedded default,
 * a Vault KV v2 secret rendered into the target's header template otherwise. Fails (and the gateway refuses
 * the exchange, failing closed) with {@link CredentialUnavailable} when the credential cannot be had.
 */
public interface HttpCredentialSource {

    Future<HttpCredential> credential(Target target, Grant grant);
}
