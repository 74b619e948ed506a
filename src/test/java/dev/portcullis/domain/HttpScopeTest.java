package dev.portcullis.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpScopeTest {

    private static HttpScope paths(String... patterns) {
        return new HttpScope(List.of("GET"), List.of(patterns), false);
    }

    private static boolean gets(HttpScope scope, String path) {
        return scope.permits(new Action.HttpCall("GET", path, false));
    }

    // --- constructor ---

    @ParameterizedTest
    @ValueSource(strings = {"api/users", "", "*", "**", " /api"})
    void pathPatternsMustStartWithSlash(String pattern) {
        assertThatThrownBy(() -> new HttpScope(List.of("GET"), List.of("/ok", pattern), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("start with '/'");
    }

    @Test
    void scopeNeedsAtLeastOneMethodAndOnePath() {
        assertThatThrownBy(() -> new HttpScope(List.of(), List.of("/"), false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpScope(List.of("GET"), List.of(), false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void methodsAreStoredUpperCase() {
        HttpScope scope = new HttpScope(List.of("get", "Post"), List.of("/"), false);
        assertThat(scope.methods()).containsExactly("GET", "POST");
        assertThat(scope.protocol()).isEqualTo(Protocol.HTTP);
    }

    // --- methods ---

    @ParameterizedTest
    @CsvSource({"get,GET", "GET,get", "Get,gEt", "delete,DELETE"})
    void methodsMatchCaseInsensitively(String granted, String called) {
        HttpScope scope = new HttpScope(List.of(granted), List.of("/api"), false);
        assertThat(scope.permits(new Action.HttpCall(called, "/api", false))).isTrue();
    }

    @Test
    void unlistedMethodIsRefused() {
        HttpScope scope = new HttpScope(List.of("GET", "HEAD"), List.of("/api/**"), false);
        assertThat(scope.permits(new Action.HttpCall("POST", "/api/x", false))).isFalse();
        assertThat(scope.permits(new Action.HttpCall("DELETE", "/api/x", false))).isFalse();
        assertThat(scope.permits(new Action.HttpCall("GETX", "/api/x", false))).isFalse();
    }

    // --- paths ---

    @Test
    void patternWithoutWildcardsMatchesOnlyThatPath() {
        HttpScope scope = paths("/api/users");
        assertThat(gets(scope, "/api/users")).isTrue();
        assertThat(gets(scope, "/api/users/1")).isFalse();
        assertThat(gets(scope, "/api/users/")).isFalse();
        assertThat(gets(scope, "/api/user")).isFalse();
        assertThat(gets(scope, "/api/usersx")).isFalse();
        assertThat(gets(scope, "/API/users")).isFalse();
    }

    @Test
    void starMatchesWithinOneSegmentOnly() {
        HttpScope scope = paths("/api/users/*");
        assertThat(gets(scope, "/api/users/42")).isTrue();
        assertThat(gets(scope, "/api/users/42/keys")).isFalse();
        assertThat(gets(scope, "/api/users")).isFalse();
        assertThat(gets(scope, "/api/other/42")).isFalse();
    }

    @Test
    void starInTheMiddleMatchesExactlyOneSegment() {
        HttpScope scope = paths("/api/*/keys");
        assertThat(gets(scope, "/api/alice/keys")).isTrue();
        assertThat(gets(scope, "/api/keys")).isFalse();
        assertThat(gets(scope, "/api/a/b/keys")).isFalse();
    }

    @Test
    void starMayBePartOfASegment() {
        HttpScope scope = paths("/logs/*.log", "/v*/status");
        assertThat(gets(scope, "/logs/app.log")).isTrue();
        assertThat(gets(scope, "/logs/app.txt")).isFalse();
        assertThat(gets(scope, "/logs/a/b.log")).isFalse();
        assertThat(gets(scope, "/v1/status")).isTrue();
        assertThat(gets(scope, "/v1/x/status")).isFalse();
    }

    @Test
    void doubleStarMatchesAnyNumberOfSegmentsIncludingZero() {
        HttpScope scope = paths("/api/**");
        assertThat(gets(scope, "/api")).isTrue();
        assertThat(gets(scope, "/api/")).isTrue();
        assertThat(gets(scope, "/api/a")).isTrue();
        assertThat(gets(scope, "/api/a/b/c/d")).isTrue();
        assertThat(gets(scope, "/apix")).isFalse();
        assertThat(gets(scope, "/apix/a")).isFalse();
        assertThat(gets(scope, "/other/api/a")).isFalse();
    }

    @Test
    void doubleStarInTheMiddleStillRequiresTheRest() {
        HttpScope scope = paths("/api/**/status");
        assertThat(gets(scope, "/api/status")).isTrue();
        assertThat(gets(scope, "/api/a/status")).isTrue();
        assertThat(gets(scope, "/api/a/b/c/status")).isTrue();
        assertThat(gets(scope, "/api/a/b/c/statusx")).isFalse();
        assertThat(gets(scope, "/api/a/b/c/status/more")).isFalse();
        assertThat(gets(scope, "/api")).isFalse();
    }

    @Test
    void rootDoubleStarMatchesEveryPath() {
        HttpScope scope = paths("/**");
        assertThat(gets(scope, "/")).isTrue();
        assertThat(gets(scope, "/a")).isTrue();
        assertThat(gets(scope, "/a/b/c")).isTrue();
    }

    @Test
    void anyOfSeveralPatternsSuffices() {
        HttpScope scope = paths("/health", "/api/v1/**");
        assertThat(gets(scope, "/health")).isTrue();
        assertThat(gets(scope, "/api/v1/things")).isTrue();
        assertThat(gets(scope, "/api/v2/things")).isFalse();
    }

    // --- websocket ---

    @Test
    void websocketUpgradeIsRefusedWithoutTheFlag() {
        HttpScope scope = new HttpScope(List.of("GET"), List.of("/ws/**"), false);
        assertThat(scope.permits(new Action.HttpCall("GET", "/ws/feed", true))).isFalse();
        assertThat(scope.permits(new Action.HttpCall("GET", "/ws/feed", false))).isTrue();
    }

    @Test
    void websocketUpgradeIsPermittedOnMatchingPathsWithTheFlag() {
        HttpScope scope = new HttpScope(List.of("GET"), List.of("/ws/**"), true);
        assertThat(scope.permits(new Action.HttpCall("GET", "/ws/feed", true))).isTrue();
        assertThat(scope.permits(new Action.HttpCall("GET", "/admin", true))).isFalse();
        assertThat(scope.permits(new Action.HttpCall("POST", "/ws/feed", true))).isFalse();
    }

    @Test
    void sshActionsAreOutsideAnyHttpScope() {
        HttpScope scope = paths("/**");
        assertThat(scope.permits(new Action.SshShell("root"))).isFalse();
        assertThat(scope.permits(new Action.SshExec("root", "/"))).isFalse();
    }
}
