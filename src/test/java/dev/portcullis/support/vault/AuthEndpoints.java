package dev.portcullis.support.vault;

import java.time.Duration;
import java.util.function.Consumer;

/** {@code auth/approle/login} and the token's self-care: {@code lookup-self}, {@code renew-self}, {@code revoke-self}. */
final class AuthEndpoints {

    private final TokenStore tokens;
    private final Consumer<TokenStore.Token> expiryWatch;

    /** {@code expiryWatch} schedules the revocation of a token when its TTL runs out. */
    AuthEndpoints(TokenStore tokens, Consumer<TokenStore.Token> expiryWatch) {
        this.tokens = tokens;
        this.expiryWatch = expiryWatch;
    }

    VaultReply login(VaultCall call) {
        TokenStore.Token token = tokens.login(string(call, "role_id"), string(call, "secret_id"), call.now());
        expiryWatch.accept(token);
        return VaultReply.envelope(null).auth(TokenStore.authBlock(token, call.now())).reply(call);
    }

    VaultReply lookupSelf(VaultCall call) {
        return VaultReply.envelope(TokenStore.lookup(call.token(), call.now())).reply(call);
    }

    VaultReply renewSelf(VaultCall call) {
        TokenStore.Token token = call.token();
        if (!token.renewable()) {
            throw VaultError.badRequest("lease is not renewable");
        }
        Duration increment = Times.durationField(call.body().getValue("increment"), "increment");
        if (token.renew(increment, call.now())) {
            Duration asked = increment == null || increment.isZero() ? token.creationTtl : increment;
            call.warn("TTL of \"" + SysEndpoints.Go.duration(asked) + "\" exceeded the effective max_ttl of \""
                    + SysEndpoints.Go.duration(Duration.between(call.now(), token.maxExpire)) + "\"; TTL value is capped accordingly");
        }
        expiryWatch.accept(token);
        return VaultReply.envelope(null).auth(TokenStore.authBlock(token, call.now())).reply(call);
    }

    VaultReply revokeSelf(VaultCall call) {
        tokens.revoke(call.token());
        return VaultReply.noContent();
    }

    private static String string(VaultCall call, String field) {
        Object raw = call.body().getValue(field);
        return raw == null ? null : String.valueOf(raw);
    }
}
