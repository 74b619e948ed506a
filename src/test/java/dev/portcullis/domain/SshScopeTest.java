package dev.portcullis.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SshScopeTest {

    private static SshScope execOnly(String... patterns) {
        return new SshScope(List.of("deploy"), false, List.of(patterns), false, List.of());
    }

    private static boolean execs(SshScope scope, String command) {
        return scope.permits(new Action.SshExec("deploy", command));
    }

    // --- constructor ---

    @Test
    void scopeWithoutPrincipalsIsRefused() {
        assertThatThrownBy(() -> new SshScope(List.of(), true, List.of(), false, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("principal");
    }

    @Test
    void scopeThatAllowsNothingIsRefused() {
        assertThatThrownBy(() -> new SshScope(List.of("root"), false, List.of(), false, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one of");
    }

    @Test
    void eachCapabilityAloneMakesAValidScope() {
        assertThat(new SshScope(List.of("u"), true, List.of(), false, List.of()).interactive()).isTrue();
        assertThat(new SshScope(List.of("u"), false, List.of("uptime"), false, List.of()).exec()).containsExactly("uptime");
        assertThat(new SshScope(List.of("u"), false, List.of(), true, List.of()).forwarding()).isTrue();
        assertThat(new SshScope(List.of("u"), false, List.of(), false, List.of("sftp")).subsystems()).containsExactly("sftp");
    }

    @Test
    void scopeKeepsItsOwnCopyOfTheLists() {
        List<String> principals = new ArrayList<>(List.of("deploy"));
        List<String> exec = new ArrayList<>(List.of("uptime"));
        SshScope scope = new SshScope(principals, false, exec, false, List.of());
        principals.add("root");
        exec.add("*");

        assertThat(scope.permits(new Action.SshExec("root", "uptime"))).isFalse();
        assertThat(execs(scope, "rm -rf /")).isFalse();
        assertThatThrownBy(() -> scope.exec().add("*")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void protocolIsSsh() {
        assertThat(execOnly("uptime").protocol()).isEqualTo(Protocol.SSH);
    }

    @Test
    void execOnlyIsTrueOnlyForAPureAllowList() {
        assertThat(execOnly("uptime").execOnly()).isTrue();
        assertThat(new SshScope(List.of("u"), true, List.of("uptime"), false, List.of()).execOnly()).isFalse();
        assertThat(new SshScope(List.of("u"), false, List.of("uptime"), true, List.of()).execOnly()).isFalse();
        assertThat(new SshScope(List.of("u"), false, List.of("uptime"), false, List.of("sftp")).execOnly()).isFalse();
        assertThat(new SshScope(List.of("u"), true, List.of(), false, List.of()).execOnly()).isFalse();
    }

    // --- shell ---

    @Test
    void shellIsPermittedForAListedPrincipalWhenInteractive() {
        SshScope scope = new SshScope(List.of("deploy", "ops"), true, List.of(), false, List.of());
        assertThat(scope.permits(new Action.SshShell("deploy"))).isTrue();
        assertThat(scope.permits(new Action.SshShell("ops"))).isTrue();
    }

    @Test
    void shellAsAnUnlistedPrincipalIsRefused() {
        SshScope scope = new SshScope(List.of("deploy"), true, List.of(), false, List.of());
        assertThat(scope.permits(new Action.SshShell("root"))).isFalse();
        assertThat(scope.permits(new Action.SshShell("Deploy"))).isFalse();
    }

    @Test
    void shellIsRefusedWhenScopeIsNotInteractive() {
        assertThat(execOnly("*").permits(new Action.SshShell("deploy"))).isFalse();
    }

    // --- exec ---

    @Test
    void execMatchesAnExactAllowListEntry() {
        SshScope scope = execOnly("systemctl status nginx", "uptime");
        assertThat(execs(scope, "uptime")).isTrue();
        assertThat(execs(scope, "systemctl status nginx")).isTrue();
        assertThat(execs(scope, "uptime -p")).isFalse();
        assertThat(execs(scope, "systemctl status nginx2")).isFalse();
        assertThat(execs(scope, " uptime")).isFalse();
    }

    @Test
    void execAllowListStarMatchesAnyRunOfOrdinaryCharacters() {
        SshScope scope = execOnly("systemctl status *");
        assertThat(execs(scope, "systemctl status nginx")).isTrue();
        assertThat(execs(scope, "systemctl status nginx.service --no-pager")).isTrue();
        assertThat(execs(scope, "systemctl status ")).isTrue();
        assertThat(execs(scope, "systemctl restart nginx")).isFalse();
        assertThat(execs(scope, "systemctl status")).isFalse();
    }

    @Test
    void execAllowListStarsInTheMiddleAndAtBothEnds() {
        SshScope scope = execOnly("tail -n * /var/log/*.log");
        assertThat(execs(scope, "tail -n 100 /var/log/app.log")).isTrue();
        assertThat(execs(scope, "tail -n 100 /var/log/app.txt")).isFalse();
        assertThat(execs(scope, "tail -n 100 /etc/shadow")).isFalse();

        SshScope anywhere = execOnly("*status*");
        assertThat(execs(anywhere, "status")).isTrue();
        assertThat(execs(anywhere, "systemctl status nginx")).isTrue();
        assertThat(execs(anywhere, "systemctl stop nginx")).isFalse();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {";", "&", "|", "`", "$", "(", ")", "<", ">", "\\", "\n", "\r"})
    void execAllowListStarNeverMatchesShellMetacharacters(String special) {
        SshScope trailing = execOnly("systemctl status *");
        SshScope middle = execOnly("cat * /tmp/out");
        SshScope everything = execOnly("*");

        assertThat(execs(trailing, "systemctl status x" + special + " rm -rf /")).isFalse();
        assertThat(execs(trailing, "systemctl status " + special)).isFalse();
        assertThat(execs(middle, "cat a" + special + "b /tmp/out")).isFalse();
        assertThat(execs(everything, "id" + special + "whoami")).isFalse();
        assertThat(execs(everything, special)).isFalse();
    }

    @Test
    void execAllowListStarRefusesTypicalInjections() {
        SshScope scope = execOnly("systemctl status *");
        assertThat(execs(scope, "systemctl status nginx; rm -rf /")).isFalse();
        assertThat(execs(scope, "systemctl status nginx && reboot")).isFalse();
        assertThat(execs(scope, "systemctl status nginx || reboot")).isFalse();
        assertThat(execs(scope, "systemctl status $(reboot)")).isFalse();
        assertThat(execs(scope, "systemctl status `reboot`")).isFalse();
        assertThat(execs(scope, "systemctl status nginx > /etc/passwd")).isFalse();
        assertThat(execs(scope, "systemctl status nginx < /dev/zero")).isFalse();
        assertThat(execs(scope, "systemctl status nginx\nreboot")).isFalse();
        assertThat(execs(scope, "systemctl status nginx\\;reboot")).isFalse();
    }

    @Test
    void execAllowListPatternMayContainShellCharactersLiterally() {
        SshScope scope = execOnly("journalctl -u app | tail -n *");
        assertThat(execs(scope, "journalctl -u app | tail -n 50")).isTrue();
        assertThat(execs(scope, "journalctl -u app | tail -n 50 | sh")).isFalse();
        assertThat(execs(scope, "journalctl -u app ; tail -n 50")).isFalse();
    }

    @Test
    void execAllowListEntriesOtherThanStarAreLiteral() {
        SshScope scope = execOnly("ls ?", "ls [ab]", "ls .*");
        assertThat(execs(scope, "ls ?")).isTrue();
        assertThat(execs(scope, "ls x")).isFalse();
        assertThat(execs(scope, "ls a")).isFalse();
        assertThat(execs(scope, "ls .bashrc")).isTrue();
        assertThat(execs(scope, "ls xbashrc")).isFalse();
    }

    @Test
    void execAsAnUnlistedPrincipalIsRefused() {
        assertThat(execOnly("*").permits(new Action.SshExec("root", "uptime"))).isFalse();
    }

    @Test
    void emptyExecListWithInteractiveAllowsAnyExec() {
        SshScope scope = new SshScope(List.of("deploy"), true, List.of(), false, List.of());
        assertThat(execs(scope, "uptime")).isTrue();
        assertThat(execs(scope, "cd /srv && ./deploy.sh | tee log; echo $?")).isTrue();
    }

    @Test
    void emptyExecListWithoutInteractiveAllowsNoExec() {
        SshScope scope = new SshScope(List.of("deploy"), false, List.of(), true, List.of("sftp"));
        assertThat(execs(scope, "uptime")).isFalse();
    }

    @Test
    void nonEmptyExecListLimitsExecEvenWhenInteractive() {
        SshScope scope = new SshScope(List.of("deploy"), true, List.of("uptime"), false, List.of());
        assertThat(execs(scope, "uptime")).isTrue();
        assertThat(execs(scope, "reboot")).isFalse();
        assertThat(scope.permits(new Action.SshShell("deploy"))).isTrue();
    }

    /**
     * The allow-list matcher against an independent reference: {@code *} as a regex class that excludes
     * the shell characters, every other pattern character quoted.
     */
    @Test
    void execAllowListAgreesWithARegexReferenceOnRandomInputs() {
        String alphabet = "ab *;|$\n";
        Random random = new Random(8785);
        for (int i = 0; i < 20_000; i++) {
            String pattern = randomString(random, "ab*;|", 6);
            String command = randomString(random, alphabet, 8);
            boolean expected = reference(pattern).matcher(command).matches();
            assertThat(execs(execOnly(pattern), command))
                    .as("pattern %s command %s", pattern.replace("\n", "\\n"), command.replace("\n", "\\n"))
                    .isEqualTo(expected);
        }
    }

    private static Pattern reference(String glob) {
        StringBuilder regex = new StringBuilder();
        String[] parts = glob.split("\\*", -1);
        for (int k = 0; k < parts.length; k++) {
            if (k > 0) {
                regex.append("[^;&|`$()<>\\\\\\n\\r]*");
            }
            if (!parts[k].isEmpty()) {
                regex.append(Pattern.quote(parts[k]));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    private static String randomString(Random random, String alphabet, int maxLength) {
        int length = random.nextInt(maxLength + 1);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    // --- forwarding and subsystems ---

    @Test
    void forwardingIsPermittedOnlyWhenGranted() {
        SshScope with = new SshScope(List.of("deploy"), true, List.of(), true, List.of());
        SshScope without = new SshScope(List.of("deploy"), true, List.of(), false, List.of());
        Action.SshForward forward = new Action.SshForward("deploy", "db.internal", 5432);

        assertThat(with.permits(forward)).isTrue();
        assertThat(without.permits(forward)).isFalse();
        assertThat(with.permits(new Action.SshForward("root", "db.internal", 5432))).isFalse();
    }

    @Test
    void subsystemIsPermittedOnlyWhenNamed() {
        SshScope scope = new SshScope(List.of("deploy"), true, List.of(), false, List.of("sftp"));
        assertThat(scope.permits(new Action.SshSubsystem("deploy", "sftp"))).isTrue();
        assertThat(scope.permits(new Action.SshSubsystem("deploy", "netconf"))).isFalse();
        assertThat(scope.permits(new Action.SshSubsystem("deploy", "SFTP"))).isFalse();
        assertThat(scope.permits(new Action.SshSubsystem("root", "sftp"))).isFalse();
    }

    @Test
    void interactiveScopeGrantsNoSubsystemOrForwardingByItself() {
        SshScope scope = new SshScope(List.of("deploy"), true, List.of(), false, List.of());
        assertThat(scope.permits(new Action.SshSubsystem("deploy", "sftp"))).isFalse();
        assertThat(scope.permits(new Action.SshForward("deploy", "localhost", 22))).isFalse();
    }

    @Test
    void httpActionsAreOutsideAnySshScope() {
        SshScope scope = new SshScope(List.of("deploy"), true, List.of(), true, List.of("sftp"));
        assertThat(scope.permits(new Action.HttpCall("GET", "/", false))).isFalse();
    }

    // --- database credentials ---

    @Test
    void databaseLoginIsPermittedOnlyWhenTheScopeGrantsDatabase() {
        SshScope shell = new SshScope(List.of("deploy"), true, List.of(), true, List.of("sftp"));
        SshScope database = new SshScope(List.of("deploy"), true, List.of(), false, List.of(), true);

        assertThat(shell.permits(new Action.DatabaseLogin("readonly"))).isFalse();
        assertThat(database.permits(new Action.DatabaseLogin("readonly"))).isTrue();
        assertThat(new HttpScope(List.of("GET"), List.of("/**"), true).permits(new Action.DatabaseLogin("readonly"))).isFalse();
    }

    @Test
    void aScopeOfDatabaseAloneIsValidAndAllowsNoShellNorExec() {
        SshScope databaseOnly = new SshScope(List.of("deploy"), false, List.of(), false, List.of(), true);

        assertThat(databaseOnly.permits(new Action.DatabaseLogin("readonly"))).isTrue();
        assertThat(databaseOnly.permits(new Action.SshShell("deploy"))).isFalse();
        assertThat(databaseOnly.permits(new Action.SshExec("deploy", "uptime"))).isFalse();
    }

    @Test
    void anExecScopeThatAlsoGrantsDatabaseIsNotExecOnly() {
        assertThat(new SshScope(List.of("deploy"), false, List.of("uptime"), false, List.of(), true).execOnly()).isFalse();
        assertThat(execOnly("uptime").execOnly()).isTrue();
    }
}
