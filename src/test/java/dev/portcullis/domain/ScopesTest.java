package dev.portcullis.domain;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScopesTest {

    private static final SshScope SSH = new SshScope(List.of("deploy", "ops"), true, List.of("systemctl status *"),
            true, List.of("sftp"));
    private static final HttpScope HTTP = new HttpScope(List.of("GET", "POST"), List.of("/api/**", "/health"), true);

    private static Map<String, Object> ssh(Map<String, Object> body) {
        return Map.of("ssh", body);
    }

    private static Map<String, Object> http(Map<String, Object> body) {
        return Map.of("http", body);
    }

    // --- toMap ---

    @Test
    void sshScopeBecomesAMapUnderSsh() {
        Map<String, Object> map = Scopes.toMap(SSH);
        assertThat(map).containsOnlyKeys("ssh");
        assertThat(map.get("ssh")).isEqualTo(Map.of("principals", List.of("deploy", "ops"), "interactive", true,
                "exec", List.of("systemctl status *"), "forwarding", true, "subsystems", List.of("sftp")));
    }

    @Test
    void httpScopeBecomesAMapUnderHttp() {
        Map<String, Object> map = Scopes.toMap(HTTP);
        assertThat(map).containsOnlyKeys("http");
        assertThat(map.get("http")).isEqualTo(Map.of("methods", List.of("GET", "POST"),
                "paths", List.of("/api/**", "/health"), "websocket", true));
    }

    @Test
    void sshScopeSurvivesARoundTrip() {
        assertThat(Scopes.fromMap(Scopes.toMap(SSH))).isEqualTo(SSH);
        SshScope minimal = new SshScope(List.of("u"), false, List.of("uptime"), false, List.of());
        assertThat(Scopes.fromMap(Scopes.toMap(minimal))).isEqualTo(minimal);
    }

    @Test
    void httpScopeSurvivesARoundTrip() {
        assertThat(Scopes.fromMap(Scopes.toMap(HTTP))).isEqualTo(HTTP);
        HttpScope noWebsocket = new HttpScope(List.of("get"), List.of("/"), false);
        assertThat(Scopes.fromMap(Scopes.toMap(noWebsocket))).isEqualTo(noWebsocket);
    }

    // --- fromMap ---

    @Test
    void missingBooleansAreFalseAndMissingListsAreEmpty() {
        Scope scope = Scopes.fromMap(ssh(Map.of("principals", List.of("deploy"), "exec", List.of("uptime"))));
        assertThat(scope).isEqualTo(new SshScope(List.of("deploy"), false, List.of("uptime"), false, List.of()));

        Scope web = Scopes.fromMap(http(Map.of("methods", List.of("GET"), "paths", List.of("/"))));
        assertThat(((HttpScope) web).websocket()).isFalse();
    }

    @Test
    void unknownSshFieldIsRefused() {
        assertThatThrownBy(() -> Scopes.fromMap(ssh(Map.of("principals", List.of("deploy"), "interactive", true,
                "forwardng", true))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scope.ssh")
                .hasMessageContaining("forwardng");
    }

    @Test
    void unknownHttpFieldIsRefused() {
        assertThatThrownBy(() -> Scopes.fromMap(http(Map.of("methods", List.of("GET"), "paths", List.of("/"),
                "websockets", true))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scope.http")
                .hasMessageContaining("websockets");
    }

    @Test
    void sshKeysAreNotAcceptedInAnHttpScope() {
        assertThatThrownBy(() -> Scopes.fromMap(http(Map.of("methods", List.of("GET"), "paths", List.of("/"),
                "principals", List.of("root")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("principals");
    }

    @Test
    void bothSshAndHttpAreRefused() {
        Map<String, Object> both = new LinkedHashMap<>();
        both.put("ssh", Scopes.toMap(SSH).get("ssh"));
        both.put("http", Scopes.toMap(HTTP).get("http"));
        assertThatThrownBy(() -> Scopes.fromMap(both))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactly one of 'ssh' or 'http'");
    }

    @Test
    void neitherSshNorHttpIsRefused() {
        assertThatThrownBy(() -> Scopes.fromMap(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactly one of");
        assertThatThrownBy(() -> Scopes.fromMap(Map.of("smtp", Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactly one of");
    }

    @Test
    void extraTopLevelKeyBesideSshIsRefused() {
        assertThatThrownBy(() -> Scopes.fromMap(Map.of("ssh", Scopes.toMap(SSH).get("ssh"), "note", "x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sshThatIsNotAnObjectIsRefused() {
        Map<String, Object> nullBody = new HashMap<>();
        nullBody.put("ssh", null);
        assertThatThrownBy(() -> Scopes.fromMap(nullBody)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be an object");
        assertThatThrownBy(() -> Scopes.fromMap(Map.of("http", List.of("GET"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be an object");
    }

    @Test
    void booleanGivenAsStringIsRefused() {
        assertThatThrownBy(() -> Scopes.fromMap(ssh(Map.of("principals", List.of("deploy"), "interactive", "true"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> Scopes.fromMap(http(Map.of("methods", List.of("GET"), "paths", List.of("/"),
                "websocket", 1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void listGivenAsSingleStringIsRefused() {
        assertThatThrownBy(() -> Scopes.fromMap(ssh(Map.of("principals", "root", "interactive", true))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'principals' must be a list");
        assertThatThrownBy(() -> Scopes.fromMap(http(Map.of("methods", "GET", "paths", List.of("/")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'methods'");
    }

    @Test
    void listWithNonStringOrBlankItemsIsRefused() {
        assertThatThrownBy(() -> Scopes.fromMap(ssh(Map.of("principals", List.of(0), "interactive", true))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("principals");
        assertThatThrownBy(() -> Scopes.fromMap(ssh(Map.of("principals", List.of("deploy"), "exec", List.of(" ")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exec");
        assertThatThrownBy(() -> Scopes.fromMap(http(Map.of("methods", List.of("GET"), "paths", List.of("/", List.of("/x"))))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("paths");
    }

    @Test
    void scopeRulesStillApplyAfterParsing() {
        assertThatThrownBy(() -> Scopes.fromMap(ssh(Map.of("interactive", true))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("principal");
        assertThatThrownBy(() -> Scopes.fromMap(ssh(Map.of("principals", List.of("deploy")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one of");
        assertThatThrownBy(() -> Scopes.fromMap(http(Map.of("methods", List.of("GET"), "paths", List.of("api")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("start with '/'");
    }

    // --- database (added later: scopes without it must keep their stored form and digest) ---

    @Test
    void aScopeWithoutDatabaseEncodesExactlyAsBeforeTheKeyExisted() {
        String canonical = dev.portcullis.integrity.Canonical.string(Scopes.toMap(SSH));

        assertThat(canonical).isEqualTo("{\"ssh\":{\"exec\":[\"systemctl status *\"],\"forwarding\":true,"
                + "\"interactive\":true,\"principals\":[\"deploy\",\"ops\"],\"subsystems\":[\"sftp\"]}}");
        assertThat(dev.portcullis.integrity.Digests.ofCanonical(Scopes.toMap(SSH)))
                .isEqualTo(dev.portcullis.integrity.Digests.sha256Hex(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void anExplicitDatabaseFalseEncodesAsIfItWereAbsent() {
        Map<String, Object> body = new LinkedHashMap<>(Map.of("principals", List.of("deploy", "ops"), "interactive", true,
                "exec", List.of("systemctl status *"), "forwarding", true, "subsystems", List.of("sftp")));
        body.put("database", false);

        Scope parsed = Scopes.fromMap(ssh(body));

        assertThat(parsed).isEqualTo(SSH);
        assertThat(Scopes.toMap(parsed)).isEqualTo(Scopes.toMap(SSH));
    }

    @Test
    void aScopeThatGrantsDatabaseSaysSoAndSurvivesARoundTrip() {
        SshScope withDatabase = new SshScope(List.of("deploy"), false, List.of(), false, List.of(), true);

        assertThat(Scopes.toMap(withDatabase).get("ssh")).isEqualTo(Map.of("principals", List.of("deploy"), "interactive", false,
                "exec", List.of(), "forwarding", false, "subsystems", List.of(), "database", true));
        assertThat(Scopes.fromMap(Scopes.toMap(withDatabase))).isEqualTo(withDatabase);
    }

    @Test
    void databaseMustBeABoolean() {
        assertThatThrownBy(() -> Scopes.fromMap(ssh(Map.of("principals", List.of("u"), "database", "yes"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("true or false");
    }
}
