package dev.portcullis.credentials.local;

import dev.portcullis.credentials.CredentialUnavailable;
import dev.portcullis.credentials.HttpCredential;
import dev.portcullis.credentials.HttpCredentialSource;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Target;
import io.vertx.core.Future;

import java.util.Map;

/**
 * The HTTP credential of a target whose credential block is
 * {@code {"local": {"secret": "crm-api", "header": "Authorization", "template": "Bearer {{value}}"}}}:
 * the named local secret rendered into the header ({@code header} defaults to Authorization, {@code template}
 * to the bare value).
 */
public final class LocalHttpCredentialSource implements HttpCredentialSource {

    public static final String BLOCK = "local";

    private final LocalSecrets secrets;

    public LocalHttpCredentialSource(LocalSecrets secrets) {
        this.secrets = secrets;
    }

    @Override
    public Future<HttpCredential> credential(Target target, Grant grant) {
        if (!(target.credential().get(BLOCK) instanceof Map<?, ?> block) || !(block.get("secret") instanceof String name)) {
            return Future.failedFuture(new CredentialUnavailable("credential_misconfigured",
                    "target " + target.name() + " has no credential.local.secret"));
        }
        String header = block.get("header") instanceof String h && !h.isBlank() ? h : "Authorization";
        String template = block.get("template") instanceof String t ? t : "{{value}}";
        if (!template.contains("{{value}}")) {
            return Future.failedFuture(new CredentialUnavailable("credential_misconfigured",
                    "target " + target.name() + ": credential.local.template must contain {{value}}"));
        }
        return secrets.get(name).map(value -> new HttpCredential(Map.of(header, template.replace("{{value}}", value)),
                "local:" + name, null));
    }
}
