package dev.portcullis.credentials;

import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Target;
import io.vertx.core.Future;

import java.util.Map;

/**
 * Picks the source by the key of the target's credential block ({@code local}, {@code kv}, …). A target with
 * no credential block gets nothing injected (reference {@code none}); a block no configured source serves fails
 * closed.
 */
public final class HttpCredentialSources implements HttpCredentialSource {

    private final Map<String, HttpCredentialSource> byBlock;

    public HttpCredentialSources(Map<String, HttpCredentialSource> byBlock) {
        this.byBlock = Map.copyOf(byBlock);
    }

    @Override
    public Future<HttpCredential> credential(Target target, Grant grant) {
        if (target.credential().isEmpty()) {
            return Future.succeededFuture(new HttpCredential(Map.of(), "none", null));
        }
        for (String block : target.credential().keySet()) {
            HttpCredentialSource source = byBlock.get(block);
            if (source != null) {
                return source.credential(target, grant);
            }
        }
        return Future.failedFuture(new CredentialUnavailable("credential_source_unconfigured",
                "no credential source on this broker serves " + target.credential().keySet() + " (target " + target.name() + ")"));
    }
}
